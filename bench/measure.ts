import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** One measurement: latency quantiles and throughput of `ops` operations from `concurrency` workers. */
export interface Result {
  name: string;
  concurrency: number;
  ops: number;
  p50: number;
  p99: number;
  mean: number;
  opsPerSecond: number;
  /** CPU time per operation (warm-up included) of this process: server, engine, SDK and the bench's client. */
  nodeCpuMsPerOp: number;
  /** CPU time per operation of the DynamoDB Local process (its JVM), when it is a child of this process. */
  dbCpuMsPerOp?: number;
}

export const MAX_OPS = 2000;
export const MAX_MS = 8000;
const WARMUP = 50;

/** The pid of the DynamoDB Local JVM when this process started it (Linux /proc), else undefined. */
export function dynamoDbLocalPid(): number | undefined {
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === process.pid && stat.includes('(java)')) return Number(entry);
    }
  } catch {
    // No /proc (not Linux): no database CPU figures.
  }
  return undefined;
}

/** User + system CPU milliseconds of a process so far (Linux /proc), or undefined. */
function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat (11 and 12 after the command), in clock ticks (100 Hz).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

let cachedDbPid: number | undefined;
let dbPidLooked = false;

/** What a line has gathered so far: latencies, time spent measuring, CPU of this process and of the DB. */
interface Tally {
  latencies: number[];
  seconds: number;
  cpuMs: number;
  dbMs: number | undefined;
  warmup: number;
}

/** Runs `op` from `concurrency` workers until `maxOps` or `maxMs` more operations, adding to `tally`. */
async function slice(
  tally: Tally,
  concurrency: number,
  op: () => Promise<number>,
  maxOps: number,
  maxMs: number,
): Promise<void> {
  const cpuBefore = process.cpuUsage();
  const dbBefore = processCpuMs(cachedDbPid);
  const started = performance.now();
  let issued = 0;
  const worker = async (): Promise<void> => {
    while (issued < maxOps && performance.now() - started < maxMs) {
      issued++;
      tally.latencies.push(await op());
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  tally.seconds += (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  tally.cpuMs += (cpu.user + cpu.system) / 1000;
  const dbAfter = processCpuMs(cachedDbPid);
  tally.dbMs =
    tally.dbMs !== undefined && dbBefore !== undefined && dbAfter !== undefined
      ? tally.dbMs + dbAfter - dbBefore
      : undefined;
}

/** A warmed-up tally: WARMUP operations run one at a time, their CPU counted (their latencies are not). */
async function warmedUp(op: () => Promise<number>, maxOps: number): Promise<Tally> {
  if (!dbPidLooked) {
    cachedDbPid = dynamoDbLocalPid();
    dbPidLooked = true;
  }
  const tally: Tally = { latencies: [], seconds: 0, cpuMs: 0, dbMs: 0, warmup: Math.min(WARMUP, maxOps) };
  const cpuBefore = process.cpuUsage();
  const dbBefore = processCpuMs(cachedDbPid);
  for (let i = 0; i < tally.warmup; i++) await op();
  const cpu = process.cpuUsage(cpuBefore);
  tally.cpuMs = (cpu.user + cpu.system) / 1000;
  const dbAfter = processCpuMs(cachedDbPid);
  tally.dbMs = dbBefore !== undefined && dbAfter !== undefined ? dbAfter - dbBefore : undefined;
  return tally;
}

function resultOf(name: string, concurrency: number, tally: Tally): Result {
  const latencies = [...tally.latencies].sort((a, b) => a - b);
  const at = (q: number): number =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  const all = latencies.length + tally.warmup;
  return {
    name,
    concurrency,
    ops: latencies.length,
    p50: at(0.5),
    p99: at(0.99),
    mean: latencies.reduce((a, b) => a + b, 0) / latencies.length,
    opsPerSecond: latencies.length / tally.seconds,
    nodeCpuMsPerOp: tally.cpuMs / all,
    ...(tally.dbMs !== undefined ? { dbCpuMsPerOp: tally.dbMs / all } : {}),
  };
}

/** Runs `op` from `concurrency` workers until `maxOps` or `maxMs`; `op` returns the milliseconds to count. */
export async function measure(
  name: string,
  concurrency: number,
  op: () => Promise<number>,
  maxOps = MAX_OPS,
  maxMs = MAX_MS,
): Promise<Result> {
  const tally = await warmedUp(op, maxOps);
  await slice(tally, concurrency, op, maxOps, maxMs);
  return resultOf(name, concurrency, tally);
}

/**
 * Measures several lines taking turns, `slices` times each (each line's budget of operations and time split
 * in equal slices): on a machine whose load changes from one second to the next, lines measured in turns see
 * the same conditions, so their ratios hold better than those of lines measured one after the other.
 */
export async function measureInTurns(
  lines: ReadonlyArray<{ name: string; op: () => Promise<number> }>,
  concurrency: number,
  slices = 4,
  maxOps = MAX_OPS,
  maxMs = MAX_MS,
): Promise<Result[]> {
  const tallies: Tally[] = [];
  for (const line of lines) tallies.push(await warmedUp(line.op, maxOps));
  for (let i = 0; i < slices; i++) {
    for (const [index, line] of lines.entries()) {
      await slice(tallies[index] as Tally, concurrency, line.op, maxOps / slices, maxMs / slices);
    }
  }
  return lines.map((line, index) => resultOf(line.name, concurrency, tallies[index] as Tally));
}

export const timed = async (fn: () => Promise<unknown>): Promise<number> => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

/** Two latency samples compared: medians, 90th percentiles, and the Mann-Whitney U test's z (normal approx.). */
export function compareDistributions(known: number[], unknown: number[]) {
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const at = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;
  const [k, u] = [sorted(known), sorted(unknown)];
  const all = [...k.map((v) => ({ v, known: true })), ...u.map((v) => ({ v, known: false }))].sort(
    (a, b) => a.v - b.v,
  );
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]?.v === all[i]?.v) j++;
    const rank = (i + j) / 2 + 1;
    for (let x = i; x <= j; x++) if (all[x]?.known) rankSum += rank;
    i = j + 1;
  }
  const [n1, n2] = [k.length, u.length];
  const U = rankSum - (n1 * (n1 + 1)) / 2;
  const z = (U - (n1 * n2) / 2) / Math.sqrt((n1 * n2 * (n1 + n2 + 1)) / 12);
  return {
    n: n1,
    knownP50: at(k, 0.5),
    unknownP50: at(u, 0.5),
    p50Ratio: at(k, 0.5) / at(u, 0.5),
    knownP90: at(k, 0.9),
    unknownP90: at(u, 0.9),
    mannWhitneyZ: z,
  };
}

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

let cachedDbPid: number | undefined | null = null;

/** Runs `op` from `concurrency` workers until `maxOps` or `maxMs`; `op` returns the milliseconds to count. */
export async function measure(
  name: string,
  concurrency: number,
  op: () => Promise<number>,
  maxOps = MAX_OPS,
  maxMs = MAX_MS,
): Promise<Result> {
  cachedDbPid = cachedDbPid === null ? dynamoDbLocalPid() : cachedDbPid;
  const cpuBefore = process.cpuUsage();
  const dbBefore = processCpuMs(cachedDbPid);
  const warmup = Math.min(WARMUP, maxOps);
  for (let i = 0; i < warmup; i++) await op();
  const latencies: number[] = [];
  const started = performance.now();
  let issued = 0;
  const worker = async (): Promise<void> => {
    while (issued < maxOps && performance.now() - started < maxMs) {
      issued++;
      latencies.push(await op());
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const dbAfter = processCpuMs(cachedDbPid);
  const all = latencies.length + warmup;
  latencies.sort((a, b) => a - b);
  const at = (q: number): number =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    name,
    concurrency,
    ops: latencies.length,
    p50: at(0.5),
    p99: at(0.99),
    mean: latencies.reduce((a, b) => a + b, 0) / latencies.length,
    opsPerSecond: latencies.length / elapsed,
    nodeCpuMsPerOp: (cpu.user + cpu.system) / 1000 / all,
    ...(dbBefore !== undefined && dbAfter !== undefined ? { dbCpuMsPerOp: (dbAfter - dbBefore) / all } : {}),
  };
}

export const timed = async (fn: () => Promise<unknown>): Promise<number> => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

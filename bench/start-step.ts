/**
 * `npx tsx bench/start-step.ts [--clients 1,32]`: the Login start step against the store's bound only — raw conditional PutItem
 * of the same transaction item and the start step over HTTP, taking turns, at 1 and 32 clients, `--rounds N` times (the
 * ratios of each round are printed; their medians last). Quicker than `npm run bench`, and what to profile:
 * `--profile <file.cpuprofile>` records a CPU profile of the measurements only (not of the start-up), with
 * `--only start` for the steps alone (lines, comma-separated: put, service — the journey service without HTTP
 * —, floor — HTTP and the PutItem alone, no journey: the best a step over HTTP could do —, start — over HTTP
 * with node:http —, fetch — over HTTP with fetch); `npx tsx bench/cpuprofile-summary.ts
 * <file>` sums it. The profile covers the whole process: the bench's own HTTP client included.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { closeClient, postJson } from './http-client.js';
import { measure, measureInTurns, type Result, timed } from './measure.js';
import { dynamoItemSize, rawPut, startFloorServer, transactionItem } from './store-bound.js';

process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';

const { startRuntime } = await import('../infra/local/runtime.js');
const { apiDeps } = await import('../functions/composition/root.js');

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const rounds = Number(arg('--rounds') ?? 1);
const only = arg('--only')?.split(',');
const wanted = (line: string): boolean => !only || only.includes(line);
const maxMs = Number(arg('--ms') ?? 8000);
const profileFile = arg('--profile');
const clientCounts = (arg('--clients') ?? '1,32').split(',').map(Number);

const runtime = await startRuntime({ port: 0 });
let floor: Awaited<ReturnType<typeof startFloorServer>> | undefined;
try {
  const url = `${runtime.url}/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=Login`;
  const start = async (clientKind: 'fetch' | 'http' = 'http'): Promise<{ authId: string }> => {
    if (clientKind === 'http') {
      const { status, text } = await postJson(url);
      if (status !== 200) throw new Error(`HTTP ${status} ${text}`);
      return JSON.parse(text) as { authId: string };
    }
    const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' } });
    if (response.status !== 200) throw new Error(`HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as { authId: string };
  };
  const { journeys } = apiDeps(process.env, {
    store: runtime.store,
    engine: runtime.engine,
    secureCookie: false,
  });
  const service = () => journeys.start('Login', 'alpha', { clientIp: '127.0.0.1' });
  // Untimed: DynamoDB Local's JIT and ours warm up before any line is measured, so the order of the lines
  // matters less.
  await measure('warm-up', 32, () => timed(() => start()), 2000, 3000);
  const item = await transactionItem(runtime.store, (await start()).authId.split('.')[0] as string);
  const put = rawPut(runtime.store, item);
  // The floor: HTTP and the PutItem, no journey, answering a real start step's JSON.
  const floorServer = await startFloorServer(put, (await postJson(url)).text);
  floor = floorServer;
  const lines: string[] = [
    `transaction item of a Login start step: ${dynamoItemSize(item)} bytes (DynamoDB item size)`,
  ];
  const ratios: Array<{ throughput32: number; p50At1: number }> = [];
  const session = profileFile ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  for (let round = 0; round < rounds; round++) {
    const results: Result[] = [];
    for (const concurrency of clientCounts) {
      const turns = [
        { name: 'PutItem', line: 'put', op: () => timed(put) },
        { name: 'floor', line: 'floor', op: () => timed(floorServer.step) },
        { name: 'service', line: 'service', op: () => timed(service) },
        { name: 'start step', line: 'start', op: () => timed(() => start()) },
        { name: 'start (fetch)', line: 'fetch', op: () => timed(() => start('fetch')) },
      ].filter((l) => wanted(l.line));
      results.push(...(await measureInTurns(turns, concurrency, 4, 2000, maxMs)));
    }
    for (const r of results)
      lines.push(
        `${r.name.padEnd(12)} ${String(r.concurrency).padStart(3)} clients ${String(r.ops).padStart(5)} ops  p50 ${r.p50.toFixed(2).padStart(6)} ms  p99 ${r.p99.toFixed(2).padStart(7)} ms  ${r.opsPerSecond.toFixed(0).padStart(5)} ops/s  CPU/op: node ${r.nodeCpuMsPerOp.toFixed(2)} ms, DynamoDB Local ${r.dbCpuMsPerOp?.toFixed(2) ?? '?'} ms`,
      );
    const has = (name: string, c: number): boolean =>
      results.some((r) => r.name === name && r.concurrency === c);
    if (has('PutItem', 32) && has('start step', 32) && has('PutItem', 1) && has('start step', 1)) {
      const get = (name: string, c: number) =>
        results.find((r) => r.name === name && r.concurrency === c) as Result;
      const ratio = {
        throughput32: get('start step', 32).opsPerSecond / get('PutItem', 32).opsPerSecond,
        p50At1: get('start step', 1).p50 / get('PutItem', 1).p50,
      };
      ratios.push(ratio);
      lines.push(
        `round ${round + 1}: start step/PutItem throughput at 32 clients ${(100 * ratio.throughput32).toFixed(0)}%, p50 at 1 client ${ratio.p50At1.toFixed(2)}x`,
      );
      if (has('floor', 32) && has('floor', 1))
        lines.push(
          `  its floor (HTTP + PutItem, no journey): throughput at 32 clients ${(100 * (get('floor', 32).opsPerSecond / get('PutItem', 32).opsPerSecond)).toFixed(0)}%, p50 at 1 client ${(get('floor', 1).p50 / get('PutItem', 1).p50).toFixed(2)}x`,
        );
    }
    process.stdout.write(`${lines.splice(0).join('\n')}\n`);
  }
  if (session && profileFile) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(profileFile, JSON.stringify(profile));
    session.disconnect();
  }
  if (ratios.length > 1) {
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    process.stdout.write(
      `median of ${ratios.length} rounds: throughput at 32 clients ${(100 * median(ratios.map((r) => r.throughput32))).toFixed(0)}%, p50 at 1 client ${median(ratios.map((r) => r.p50At1)).toFixed(2)}x\n`,
    );
  }
} finally {
  closeClient();
  await floor?.close();
  await runtime.stop();
}

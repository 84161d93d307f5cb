/**
 * `npm run bench`: Login steps on the embedded runtime over real HTTP, at 1 and 32 concurrent clients, with
 * the engine's cost (against calling the node handler directly), the store's bound (the start step's one
 * conditional PutItem alone, bench/store-bound.ts) and password verification reported separately:
 * Argon2id with the configured parameters against a legacy scrypt hash (N=2^17, r=8, p=1) in the same run.
 * Prints a table; `--json` prints the results as JSON instead. Traffic goes to 127.0.0.1 only.
 */

import { randomBytes, scryptSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { systemClock } from '../functions/contract/clock.js';
import { closeClient, postJson } from './http-client.js';
import { compareDistributions, MAX_OPS, measure, measureInTurns, type Result, timed } from './measure.js';
import { dynamoItemSize, rawPut, startFloorServer, transactionItem } from './store-bound.js';

process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';

const { startRuntime } = await import('../infra/local/runtime.js');
const { apiDeps } = await import('../functions/composition/root.js');
const { runNode } = await import('../functions/nodes/run.js');
const { UserRepository } = await import('../functions/store/users.js');
const { AttemptRepository, accountKey } = await import('../functions/store/attempts.js');
const { passwordHasher } = await import('../functions/store/password-hasher.js');
const { ThrottleRepository, throttlePolicyFromEnv } = await import('../functions/store/throttle.js');
const { argon2ParametersFromEnv, hashPassword, verifyPassword } = await import(
  '../functions/store/password.js'
);

const PASSWORD = 'Secret-Passw0rd';
const PUT_ITEM = 'raw conditional PutItem (store bound)';
const START_SERVICE = 'Login start step: journey service, no HTTP';
const FLOOR = 'floor: HTTP + the PutItem, no journey';

// All bench clients are 127.0.0.1: the per-client throttle would otherwise answer the failed sign-ins with 429.
const runtime = await startRuntime({
  port: 0,
  env: { ...process.env, THROTTLE_LOGIN_CLIENT_MAX: '1000000', THROTTLE_LOGIN_ACCOUNT_MAX: '1000000' },
});
let floor: Awaited<ReturnType<typeof startFloorServer>> | undefined;
try {
  const url = (journey: string): string =>
    `${runtime.url}/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=${journey}`;
  type Step = { authId: string; callbacks: Array<{ input: Array<{ value: unknown }> }>; tokenId?: string };
  const post = async (journey: string, body?: unknown): Promise<Step> => {
    const { status, text } = await postJson(url(journey), body);
    if (status !== 200) throw new Error(`${journey}: HTTP ${status} ${text}`);
    return JSON.parse(text) as Step;
  };

  // Users to sign in as.
  // As many users as clients: an account takes at most 3 sign-ins in flight (its attempt reservations).
  const users = Array.from({ length: 32 }, (_, i) => `bench-user-${process.pid}-${i}`);
  for (const userName of users) {
    const step = await post('Registration');
    // By position: the profile, the password, two security questions (question and answer), the terms accepted.
    const values: unknown[] = [
      userName,
      'Grace',
      'Hopper',
      `${userName}@example.com`,
      false,
      false,
      PASSWORD,
    ];
    values.push(["What's your favorite color?", 'Blue'], ['Name of my first cat?', 'Mistigri'], true);
    step.callbacks.forEach((callback, i) => {
      const value = values[i];
      (Array.isArray(value) ? value : [value]).forEach((v, j) => {
        const input = callback.input[j];
        if (input) input.value = v;
      });
    });
    if (!(await post('Registration', step)).tokenId) throw new Error(`could not register ${userName}`);
  }
  let next = 0;
  const someUser = (): string => users[next++ % users.length] as string;

  const login = JSON.parse(
    readFileSync(new URL('../statemachines/Login.asl.json', import.meta.url), 'utf8'),
  ) as {
    States: {
      Credentials: { Parameters: { Payload: { node: { id: string; type: string; config: never } } } };
    };
  };
  const pageNode = login.States.Credentials.Parameters.Payload.node;
  const services = {
    clock: systemClock,
    users: new UserRepository(runtime.store),
    attempts: new AttemptRepository(runtime.store),
    passwords: passwordHasher,
    throttle: new ThrottleRepository(runtime.store, throttlePolicyFromEnv()),
  };
  const context = () => ({ journey: 'Login', realm: 'alpha', txId: `bench-${next++}`, state: {} });

  // The store's bound: the conditional PutItem a start step makes, alone, with the item a start step wrote.
  // Untimed first: DynamoDB Local's JIT and ours warm up, so that neither line gets a colder server.
  await measure('warm-up', 32, () => timed(() => post('Login')), MAX_OPS, 3000);
  const item = await transactionItem(runtime.store, (await post('Login')).authId.split('.')[0] as string);
  const put = rawPut(runtime.store, item);
  // The same step without HTTP (no server, no client): the journey service over the same engine and store.
  const { journeys } = apiDeps(process.env, {
    store: runtime.store,
    engine: runtime.engine,
    secureCookie: false,
  });
  const startWithoutHttp = () => journeys.start('Login', 'alpha', { clientIp: '127.0.0.1' });
  // The floor of a step over HTTP: a server in this process that makes only the PutItem and answers a real
  // start step's JSON — what the step would cost if its journey cost nothing.
  const floorServer = await startFloorServer(put, (await postJson(url('Login'))).text);
  floor = floorServer;
  await measure('warm-up', 32, () => timed(put), MAX_OPS, 3000);

  const results: Result[] = [];
  for (const concurrency of [1, 32]) {
    // In turns: the ratios between these three lines are the point, and the machine's load drifts.
    results.push(
      ...(await measureInTurns(
        [
          { name: PUT_ITEM, op: () => timed(put) },
          { name: FLOOR, op: () => timed(floorServer.step) },
          { name: 'Login start step (HTTP)', op: () => timed(() => post('Login')) },
          { name: START_SERVICE, op: () => timed(startWithoutHttp) },
        ],
        concurrency,
      )),
    );
    results.push(
      await measure(
        'Login submit step (HTTP, incl. Argon2id)',
        concurrency,
        async () => {
          const step = await post('Login');
          (step.callbacks[0]?.input[0] as { value: unknown }).value = someUser();
          (step.callbacks[1]?.input[0] as { value: unknown }).value = PASSWORD;
          return timed(async () => {
            if (!(await post('Login', step)).tokenId) throw new Error('login failed');
          });
        },
        600,
      ),
    );
  }
  const stored = await hashPassword(PASSWORD);
  for (const concurrency of [1, 32]) {
    results.push(
      await measure(
        'Argon2id verification alone',
        concurrency,
        () => timed(() => verifyPassword(PASSWORD, stored)),
        600,
      ),
    );
  }
  // A hash as Proofline wrote them before Argon2id, verified through the legacy path.
  const salt = randomBytes(16);
  const legacy = [
    'scrypt',
    2 ** 17,
    8,
    1,
    salt.toString('base64url'),
    scryptSync(PASSWORD, salt, 32, { N: 2 ** 17, r: 8, p: 1, maxmem: 2 ** 28 }).toString('base64url'),
  ].join('$');
  results.push(
    await measure(
      'scrypt N=2^17 verification alone',
      1,
      () => timed(() => verifyPassword(PASSWORD, legacy)),
      10,
    ),
  );
  results.push(
    await measure('start step: node handler direct', 1, () =>
      timed(() => runNode({ node: pageNode, context: context() }, services)),
    ),
  );
  results.push(
    await measure('start step: engine (ASL interpreter)', 1, () =>
      timed(() => runtime.engine.execute('Login', context())),
    ),
  );

  // Failed sign-ins for a known and an unknown name, interleaved, each from a fresh account state (the lockout
  // would otherwise stop the known name's evaluations): the two latency distributions must not differ.
  const failed = async (userName: string): Promise<number> => {
    const step = await post('Login');
    (step.callbacks[0]?.input[0] as { value: unknown }).value = userName;
    (step.callbacks[1]?.input[0] as { value: unknown }).value = 'wrong-password';
    const ms = await timed(() => post('Login', step));
    await services.attempts.unlock(accountKey('alpha', userName));
    return ms;
  };
  const known: number[] = [];
  const unknown: number[] = [];
  for (let i = 0; i < 20; i++) await failed(someUser());
  for (let i = 0; i < 200; i++) {
    known.push(await failed(someUser()));
    unknown.push(await failed(`bench-nobody-${process.pid}-${i}`));
  }
  const oracle = compareDistributions(known, unknown);

  const find = (name: string, concurrency = 1): Result =>
    results.find((r) => r.name === name && r.concurrency === concurrency) as Result;
  const direct = find('start step: node handler direct').mean;
  const engine = find('start step: engine (ASL interpreter)').mean;
  const http = find('Login start step (HTTP)').mean;
  const submit = find('Login submit step (HTTP, incl. Argon2id)');
  const argon2 = find('Argon2id verification alone');
  const scrypt = find('scrypt N=2^17 verification alone');
  // Each step line against the PutItem at the same concurrency.
  const bound = (r: Result) => {
    const put = find(PUT_ITEM, r.concurrency);
    return {
      name: r.name,
      concurrency: r.concurrency,
      throughputRatio: r.opsPerSecond / put.opsPerSecond,
      p50Ratio: r.p50 / put.p50,
    };
  };
  const stepLines = results.filter((r) => r.name.startsWith('Login ') || r.name === FLOOR);
  const start1 = find('Login start step (HTTP)');
  const start32 = find('Login start step (HTTP)', 32);
  const cpu = (r: Result) => r.nodeCpuMsPerOp + (r.dbCpuMsPerOp ?? 0);
  const storeBound = {
    transactionItemBytes: dynamoItemSize(item),
    steps: stepLines.map(bound),
    startStepThroughputRatioAt32: bound(start32).throughputRatio,
    startStepP50RatioAt1: bound(start1).p50Ratio,
    // The same ratios for the floor (HTTP and the PutItem, no journey): the best a step could reach here.
    floorThroughputRatioAt32: bound(find(FLOOR, 32)).throughputRatio,
    floorP50RatioAt1: bound(find(FLOOR, 1)).p50Ratio,
    // What the throughput ratio tends to when the two cores are the bound: the PutItem's CPU over the step's
    // (this process and DynamoDB Local's JVM), at 32 clients. Less noisy than throughput on a shared machine.
    startStepCpuRatioAt32: cpu(find(PUT_ITEM, 32)) / cpu(start32),
  };
  const summary = {
    storeBound,
    argon2Parameters: argon2ParametersFromEnv(),
    engineOverDirect: engine / direct,
    httpOverDirect: http / direct,
    signInStepP50Ms: submit.p50,
    argon2OverScryptP50: argon2.p50 / scrypt.p50,
    submitWithoutHashingMs: submit.mean - argon2.mean,
    failedSignIn: oracle,
  };

  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ results, summary }, null, 2)}\n`);
  } else {
    const pad = (v: string, n: number): string => v.padStart(n);
    const check = (ok: boolean): string => (ok ? 'met' : 'not met');
    const cpuText = (r: Result): string =>
      `${r.nodeCpuMsPerOp.toFixed(2)} + ${r.dbCpuMsPerOp?.toFixed(2) ?? '?'} ms`;
    const lines = [
      `${'measurement'.padEnd(42)}${pad('clients', 8)}${pad('ops', 7)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('mean ms', 9)}${pad('ops/s', 9)}  CPU ms/op (node + DynamoDB Local)`,
      ...results.map(
        (r) =>
          `${r.name.padEnd(42)}${pad(String(r.concurrency), 8)}${pad(String(r.ops), 7)}${pad(r.p50.toFixed(2), 9)}${pad(r.p99.toFixed(2), 9)}${pad(r.mean.toFixed(2), 9)}${pad(r.opsPerSecond.toFixed(0), 9)}  ${cpuText(r)}`,
      ),
      '',
      `against the store's bound: raw conditional PutItem of the start step's transaction item (${storeBound.transactionItemBytes} bytes), same table, same client, same concurrency`,
      ...storeBound.steps.map(
        (b) =>
          `  ${b.name.padEnd(42)}${pad(String(b.concurrency), 3)} clients: throughput ${(100 * b.throughputRatio).toFixed(0).padStart(3)}% of PutItem, p50 ${b.p50Ratio.toFixed(2)}x PutItem's`,
      ),
      `  CPU per op at 32 clients (this process + DynamoDB Local): PutItem ${cpuText(find(PUT_ITEM, 32))}, start step ${cpuText(start32)}: PutItem/step ${(100 * storeBound.startStepCpuRatioAt32).toFixed(0)}%`,
      `start step at 32 clients: ${(100 * storeBound.startStepThroughputRatioAt32).toFixed(0)}% of PutItem throughput (goal >= 90%: ${check(storeBound.startStepThroughputRatioAt32 >= 0.9)}); at 1 client: p50 ${storeBound.startStepP50RatioAt1.toFixed(2)}x PutItem's (goal <= 1.5x: ${check(storeBound.startStepP50RatioAt1 <= 1.5)})`,
      `its floor, HTTP + the PutItem with no journey: ${(100 * storeBound.floorThroughputRatioAt32).toFixed(0)}% at 32 clients, p50 ${storeBound.floorP50RatioAt1.toFixed(2)}x at 1 client (no step over HTTP can do better)`,
      '',
      `engine cost, start step: engine/direct ${summary.engineOverDirect.toFixed(1)}x, HTTP step/direct ${summary.httpOverDirect.toFixed(1)}x`,
      `submit step without the Argon2id share (1 client): ${summary.submitWithoutHashingMs.toFixed(2)} ms`,
      `sign-in (submit) step p50 (1 client): ${summary.signInStepP50Ms.toFixed(2)} ms`,
      `failed sign-in, known vs unknown name (${oracle.n} each, interleaved): p50 ${oracle.knownP50.toFixed(2)} vs ${oracle.unknownP50.toFixed(2)} ms (ratio ${oracle.p50Ratio.toFixed(3)}), p90 ${oracle.knownP90.toFixed(2)} vs ${oracle.unknownP90.toFixed(2)} ms; Mann-Whitney z = ${oracle.mannWhitneyZ.toFixed(2)} (|z| < 1.96: no difference at p = 0.05)`,
      `Argon2id (m=${summary.argon2Parameters.memoryKiB} KiB, t=${summary.argon2Parameters.timeCost}, p=${summary.argon2Parameters.parallelism}) / scrypt N=2^17 verification p50: ${summary.argon2OverScryptP50.toFixed(3)}x (goal <= 0.1x: ${summary.argon2OverScryptP50 <= 0.1 ? 'met' : 'not met'})`,
    ];
    lines.push(
      '',
      'Targets (for later; not enforced): start step at 1 client p50 <= 5 ms ' +
        `(${check(start1.p50 <= 5)}), p99 <= 25 ms (${check(start1.p99 <= 25)}); >= 800 steps/s at 32 clients (${check(start32.opsPerSecond >= 800)})`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
  }
} finally {
  closeClient();
  await floor?.close();
  await runtime.stop();
}

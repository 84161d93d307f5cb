/**
 * `npm run bench:recovery`: the mail step of the recovery journeys (ResetPassword, ForgottenUsername: posting the
 * address → Identify Existing User → Email Suspend → the suspended step) on the embedded runtime over real HTTP,
 * for addresses users have and addresses nobody has, interleaved: the two latency distributions (p50, p90 and the
 * Mann–Whitney U test's z, as `npm run bench` compares failed sign-ins). Printed, never asserted: timed
 * assertions would be flaky; the equal work is asserted by test/integration/no-enumeration.test.ts.
 * `--pairs N` (default 200) known/unknown pairs per journey; `--json` prints JSON. Traffic goes to 127.0.0.1 only.
 */

import { closeClient, postJson } from './http-client.js';
import { compareDistributions, timed } from './measure.js';

process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';

const { startRuntime } = await import('../infra/local/runtime.js');
const { UserRepository } = await import('../functions/store/users.js');
const { passwordHasher } = await import('../functions/store/password-hasher.js');

const JOURNEYS = ['ResetPassword', 'ForgottenUsername'] as const;
const KNOWN_USERS = 32;
const WARM_UP_PAIRS = 20;
const pairsArg = process.argv.indexOf('--pairs');
const PAIRS = pairsArg > 0 ? Number(process.argv[pairsArg + 1]) : 200;
if (!Number.isInteger(PAIRS) || PAIRS < 10) throw new Error('--pairs must be an integer >= 10');

// All bench clients are 127.0.0.1: lift the per-client throttles, as `npm run bench` does.
const runtime = await startRuntime({
  port: 0,
  env: { ...process.env, THROTTLE_LOGIN_CLIENT_MAX: '1000000', THROTTLE_LOGIN_ACCOUNT_MAX: '1000000' },
});
try {
  const url = (journey: string): string =>
    `${runtime.url}/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=${journey}`;
  type Step = {
    authId: string;
    callbacks: Array<{ type: string; input: Array<{ value: unknown }> }>;
  };
  const post = async (journey: string, body?: unknown): Promise<Step> => {
    const { status, text } = await postJson(url(journey), body);
    if (status !== 200) throw new Error(`${journey}: HTTP ${status} ${text}`);
    return JSON.parse(text) as Step;
  };

  // Users whose addresses are known: created in the store directly (registration is not what is measured).
  const users = new UserRepository(runtime.store);
  const hash = await passwordHasher.hash('Secret-Passw0rd');
  const known = Array.from({ length: KNOWN_USERS }, (_, i) => `bench-recovery-${process.pid}-${i}`);
  for (const userName of known)
    await users.create('alpha', { userName, mail: `${userName}@example.com` }, hash);
  let next = 0;
  const knownAddress = (): string => `${known[next++ % known.length]}@example.com`;
  const unknownAddress = (): string => `bench-nobody-${process.pid}-${next++}@example.com`;

  /** The mail step's latency: the page fetched untimed, then the address posted, timed. */
  const mailStep = async (journey: string, mail: string): Promise<number> => {
    const page = await post(journey);
    const input = page.callbacks[0]?.input[0];
    if (!input) throw new Error(`${journey}: no address input`);
    input.value = mail;
    let reply: Step | undefined;
    const ms = await timed(async () => {
      reply = await post(journey, page);
    });
    if (reply?.callbacks[0]?.type !== 'SuspendedTextOutputCallback') {
      throw new Error(`${journey}: expected the suspended step, got ${JSON.stringify(reply)}`);
    }
    return ms;
  };

  const summary: Record<string, ReturnType<typeof compareDistributions>> = {};
  for (const journey of JOURNEYS) {
    for (let i = 0; i < WARM_UP_PAIRS; i++) {
      await mailStep(journey, knownAddress());
      await mailStep(journey, unknownAddress());
    }
    const knownMs: number[] = [];
    const unknownMs: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      // Alternating which goes first, so that neither always follows the other's background mail.
      if (i % 2 === 0) {
        knownMs.push(await mailStep(journey, knownAddress()));
        unknownMs.push(await mailStep(journey, unknownAddress()));
      } else {
        unknownMs.push(await mailStep(journey, unknownAddress()));
        knownMs.push(await mailStep(journey, knownAddress()));
      }
    }
    summary[journey] = compareDistributions(knownMs, unknownMs);
  }

  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ summary }, null, 2)}\n`);
  } else {
    const lines = Object.entries(summary).map(
      ([journey, d]) =>
        `${journey} mail step, known vs unknown address (${d.n} each, interleaved): p50 ${d.knownP50.toFixed(2)} vs ${d.unknownP50.toFixed(2)} ms (ratio ${d.p50Ratio.toFixed(3)}), p90 ${d.knownP90.toFixed(2)} vs ${d.unknownP90.toFixed(2)} ms; Mann-Whitney z = ${d.mannWhitneyZ.toFixed(2)} (|z| < 1.96: no difference at p = 0.05)`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
  }
} finally {
  closeClient();
  await runtime.stop();
}

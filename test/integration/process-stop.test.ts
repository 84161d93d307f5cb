import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type AmReply,
  fill,
  output,
  PASSWORD,
  registrationValues,
  type Step,
  uniqueName,
} from './am-client.js';

/**
 * `npm start` as a process (infra/local/main.ts, on disk under its own DATA_DIR): SIGTERM in the middle of a step
 * lets the step finish and answer, and refuses new connections; SIGKILL in the middle of a step leaves the step
 * claimed, and after a restart on the same data the client's retry takes it over once the lease has expired.
 *
 * The slow step is a real one: IdentityProofing's evaluation of a finished IDEMIA session, with the IDEMIA
 * sandbox's GIPS answering slowly (its fault control API).
 */
const REPO = new URL('../../', import.meta.url).pathname;
const children: ChildProcess[] = [];
const dirs: string[] = [];

interface Launched {
  child: ChildProcess;
  baseUrl: string;
  idemiaUrl: string;
  port: number;
  exit: Promise<number | null>;
  log: () => string;
}

/** Starts `infra/local/main.ts` in its own process group (it and its DynamoDB Local can be killed together). */
async function launch(dataDir: string, env: Record<string, string> = {}): Promise<Launched> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], {
    cwd: REPO,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, POWERTOOLS_LOG_LEVEL: 'ERROR', ...env },
  });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!out.includes('Press Ctrl+C to stop.')) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`the runtime did not start:\n${out}`);
    await sleep(100);
  }
  const baseUrl = /Base URL \(SDK serverConfig\.baseUrl\): (\S+?)\/?\n/.exec(out)?.[1] as string;
  const idemiaUrl = /IDEMIA sandbox: (\S+)/.exec(out)?.[1] as string;
  return { child, baseUrl, idemiaUrl, port: Number(new URL(baseUrl).port), exit, log: () => out };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function post<T = AmReply>(url: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Accept-API-Version': 'resource=2.1, protocol=1.0' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
}

const journeyUrl = (base: string, journey: string): string =>
  `${base}/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=${journey}`;

async function ok(reply: Promise<{ status: number; body: AmReply }>): Promise<Step> {
  const { status, body } = await reply;
  if (status !== 200) throw new Error(`${status} ${JSON.stringify(body)}`);
  return body;
}

/**
 * IdentityProofing up to a step whose next submission evaluates a finished IDEMIA session; GIPS then answers
 * after `slowMs`, so that submission is a slow step.
 */
async function slowStep(runtime: Launched, slowMs: number): Promise<Step> {
  const { baseUrl, idemiaUrl } = runtime;
  const userName = uniqueName('stop');
  const registration = await ok(post(journeyUrl(baseUrl, 'Registration')));
  await ok(post(journeyUrl(baseUrl, 'Registration'), fill(registration, registrationValues(userName))));
  const url = journeyUrl(baseUrl, 'IdentityProofing');
  const credentials = await ok(post(url));
  const choice = await ok(post(url, fill(credentials, { Username: userName, Password: PASSWORD })));
  const confirmation = choice.callbacks.find((c) => c.type === 'ChoiceCallback');
  if (confirmation?.input[0]) confirmation.input[0].value = 0;
  const waiting = await ok(post(url, choice));
  const link = waiting.callbacks.find((c) => output(c, 'id') === 'ipaSessionUrl');
  const sessionId = new URL(output(link!, 'value') as string).searchParams.get('session-id');
  // The webhook's resume finds GIPS down and leaves the evaluation to the client's next poll.
  await post(`${idemiaUrl}/sandbox/faults`, { gipsFailures: 1000 });
  await post(`${idemiaUrl}/sandbox/sessions/${sessionId}/complete`, { outcome: 'verified' });
  await sleep(1000);
  const caughtUp = await ok(post(url, waiting));
  await post(`${idemiaUrl}/sandbox/faults`, { gips: 'slow', slowMs });
  return caughtUp;
}

/** Whether a new TCP connection to the port is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'proofline-stop-'));
  dirs.push(dir);
  return dir;
}

describe('npm start as a process', () => {
  it('on SIGTERM, finishes the step in flight, refuses new connections and exits 0', async () => {
    const runtime = await launch(await dataDir());
    const step = await slowStep(runtime, 1500);

    const inFlight = post(journeyUrl(runtime.baseUrl, 'IdentityProofing'), step);
    await sleep(700);
    runtime.child.kill('SIGTERM');
    await sleep(300);
    const refusedWhileStopping = await refused(runtime.port);
    const reply = await inFlight;
    const code = await runtime.exit;

    expect(refusedWhileStopping).toBe(true);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    // The evaluation succeeded: the journey moved on to the face scan.
    expect(reply.body.callbacks.map((c) => c.type)).toContain('MetadataCallback');
    expect(code, runtime.log()).toBe(0);
  }, 120_000);

  it('after SIGKILL mid-step and a restart on the same data, lets the retry take the step over once the lease expired', async () => {
    const dir = await dataDir();
    // Lease: STEP_TIMEOUT_SECONDS + 2 s. A restart (DynamoDB Local on disk) takes several seconds of it.
    const env = { STEP_TIMEOUT_SECONDS: '5' };
    const leaseMs = 7000;
    const first = await launch(dir, env);
    const step = await slowStep(first, 6000);

    const killed = post(journeyUrl(first.baseUrl, 'IdentityProofing'), step).catch((e: unknown) => e);
    await sleep(700);
    process.kill(-(first.child.pid as number), 'SIGKILL');
    const killedAt = Date.now();
    await first.exit;
    const second = await launch(dir, env);
    const url = journeyUrl(second.baseUrl, 'IdentityProofing');
    await sleep(Math.max(0, killedAt + leaseMs + 300 - Date.now()));
    const retries = await Promise.all([post(url, step), post(url, step)]);
    const replay = await post(url, step);
    second.child.kill('SIGTERM');
    const code = await second.exit;

    expect(await killed).toBeInstanceOf(Error);
    // One retry took the step over: it ran (against a fresh IDEMIA sandbox, which no longer knows the identity)
    // and ended the journey with a definite answer, instead of 409 until the journey expires. The other lost.
    const [taken, lost] = [...retries].sort((a, b) => (a.status === 409 ? 1 : b.status === 409 ? -1 : 0));
    expect(taken?.status, JSON.stringify(retries)).not.toBe(409);
    expect(taken?.body.message ?? '', JSON.stringify(retries)).not.toMatch(/Invalid or expired authId/);
    expect([401, 409], JSON.stringify(retries)).toContain(lost?.status);
    expect(replay.status).toBe(401);
    expect(replay.body.message).toMatch(/Invalid or expired authId/);
    expect(code, second.log()).toBe(0);
  }, 180_000);
});

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ScanCommand } from '../../functions/aws/dynamodb.js';
import { AttemptRepository, accountKey } from '../../functions/store/attempts.js';
import type { Store } from '../../functions/store/dynamo.js';
import { IpaSessionRepository } from '../../functions/store/ipa-sessions.js';
import { UserRepository } from '../../functions/store/users.js';
import type { Runtime } from '../../infra/local/runtime.js';
import { readRuntimeInfo, runtimeInfoPath } from '../../infra/local/runtime-info.js';
import { type AdminIo, main } from '../../scripts/admin.js';
import {
  type AmReply,
  fill,
  iproovData,
  output,
  PASSWORD,
  registrationValues,
  reportFace,
  type Step,
  uniqueName,
} from './am-client.js';

/**
 * The operator commands (ADR 12) against a runtime of their own on disk (so that it writes runtime.json, with its
 * own IDEMIA and iProov sandboxes), sharing the test run's DynamoDB Local. The CLI runs as a child process where
 * the process matters (exit codes, stdin, stdout), in-process elsewhere.
 */
const REPO = new URL('../../', import.meta.url).pathname;
let rt: Runtime;
let dataDir: string;
let store: Store;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'proofline-admin-'));
  const { startRuntime } = await import('../../infra/local/runtime.js');
  rt = await startRuntime({
    port: 0,
    dataDir,
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    env: { ...process.env, REALMS: 'alpha' },
  });
  store = rt.store;
});

afterAll(async () => {
  await rt?.stop();
  if (dataDir) {
    expect(existsSync(runtimeInfoPath(dataDir))).toBe(false);
    await rm(dataDir, { recursive: true, force: true });
  }
});

// --- a minimal client of this runtime -------------------------------------------------------------------

const authenticate = (journey: string): string =>
  `${rt.url}/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=${journey}`;

async function post<T = AmReply>(url: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
}
const start = async (journey: string): Promise<Step> => (await post<Step>(authenticate(journey))).body;
const submit = (journey: string, step: Step) => post<AmReply>(authenticate(journey), step);
const login = async (userName: string, password: string) =>
  submit('Login', fill(await start('Login'), { Username: userName, Password: password }));
const validate = async (token: string) =>
  (
    await post<{ valid: boolean }>(
      `${rt.url}/json/realms/root/realms/alpha/sessions?_action=validate`,
      {},
      { iPlanetDirectoryPro: token },
    )
  ).body.valid;

async function register(userName: string): Promise<string> {
  const reply = await submit('Registration', fill(await start('Registration'), registrationValues(userName)));
  if (!reply.body.tokenId) throw new Error(`register: ${JSON.stringify(reply.body)}`);
  return reply.body.tokenId;
}

async function scan(journey: string, step: Step): Promise<AmReply> {
  await fetch(`${rt.iproovSandbox?.url}/sandbox/tokens/${iproovData(step).token as string}/scan`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ result: 'passed' }),
  });
  return (await submit(journey, reportFace(step, 'passed'))).body;
}

/** Registered, identity proven through IDEMIA (a stored proof) and face enrolled at iProov; the session token. */
async function provenUser(userName: string): Promise<string> {
  await register(userName);
  const signedIn = await submit(
    'IdentityProofing',
    fill(await start('IdentityProofing'), { Username: userName, Password: PASSWORD }),
  );
  const choice = structuredClone(signedIn.body);
  const confirmation = choice.callbacks.find((c) => c.type === 'ChoiceCallback');
  if (confirmation?.input[0]) confirmation.input[0].value = 0;
  const waiting = await submit('IdentityProofing', choice);
  const ipaUrl = waiting.body.callbacks.find((c) => output(c, 'id') === 'ipaSessionUrl');
  const sessionId = new URL(output(ipaUrl!, 'value') as string).searchParams.get('session-id');
  await fetch(`${rt.idemiaSandbox?.url}/sandbox/sessions/${sessionId}/complete`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ outcome: 'verified' }),
  });
  let face = await submit('IdentityProofing', waiting.body);
  for (let i = 0; i < 10 && !face.body.callbacks?.some((c) => c.type === 'MetadataCallback'); i++) {
    face = await submit('IdentityProofing', face.body);
  }
  const done = await scan('IdentityProofing', face.body);
  if (!done.tokenId) throw new Error(`proofing: ${JSON.stringify(done)}`);
  return done.tokenId;
}

// --- the CLI ---------------------------------------------------------------------------------------------

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npx tsx scripts/admin.ts …` as a child process, optionally with stdin. */
function cli(args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/admin.ts', ...args],
      { cwd: REPO, env: { ...process.env, DATA_DIR: dataDir }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin ?? '');
  });
}

/** The CLI in this process (faster, for what does not need a process). */
async function inProcess(args: string[], answer?: string): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: AdminIo = {
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
    ask: async () => answer,
    env: { DATA_DIR: dataDir },
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

const auditLines = (text: string): Array<Record<string, unknown>> =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.message === 'operator action');

async function scanTable(table: string, filter: string, values: Record<string, unknown>) {
  const { Items } = await store.doc.send(
    new ScanCommand({
      TableName: table,
      FilterExpression: filter,
      ...(filter.includes('#state') ? { ExpressionAttributeNames: { '#state': 'state' } } : {}),
      ExpressionAttributeValues: values,
      ConsistentRead: true,
    }),
  );
  return Items ?? [];
}

// --- the tests -------------------------------------------------------------------------------------------

describe('the local runtime for operator commands', () => {
  it('records how to reach it in DATA_DIR/runtime.json, owner-only', async () => {
    const info = await readRuntimeInfo(dataDir);
    expect(info).toMatchObject({
      pid: process.pid,
      url: rt.url,
      dynamodbEndpoint: rt.dynamodbEndpoint,
      tables: rt.tables,
      realms: ['alpha'],
      proofsDir: rt.proofsDir,
      iproov: { source: 'sandbox' },
    });
    const { stat } = await import('node:fs/promises');
    expect((await stat(runtimeInfoPath(dataDir))).mode & 0o077).toBe(0);
  });

  it('is reported as not running when runtime.json is missing or its process is gone', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'proofline-admin-none-'));
    try {
      const missing = await inProcess(['unlock', '--realm', 'alpha', '--user', 'x', '--data-dir', empty]);
      await writeFile(
        runtimeInfoPath(empty),
        JSON.stringify({ ...(await readRuntimeInfo(dataDir)), pid: 2 ** 30 }),
      );
      const stale = await inProcess(['unlock', '--realm', 'alpha', '--user', 'x', '--data-dir', empty]);

      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/No local runtime is running .*npm start/);
      expect(stale.code).toBe(1);
      expect(stale.stderr).toMatch(/is not running any more/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('npm run admin -- unlock', () => {
  it('lifts a lockout: the right password signs in again', async () => {
    const userName = uniqueName('unlk');
    await register(userName);
    for (let i = 0; i < 3; i++) await login(userName, 'wrong-password');
    const whileLocked = await login(userName, PASSWORD);
    const attempts = new AttemptRepository(store);
    expect((await attempts.get(accountKey('alpha', userName))).lockedUntil).toBeDefined();

    const run = await inProcess(['unlock', '--realm', 'alpha', '--user', userName]);
    const afterwards = await login(userName, PASSWORD);

    expect(whileLocked.body.tokenId).toBeUndefined();
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Unlocked user [0-9a-f-]{36} in realm alpha .*the lock was lifted/);
    expect(afterwards.body.tokenId).toEqual(expect.any(String));
    expect(await attempts.get(accountKey('alpha', userName))).toEqual({ counts: {} });
  });

  it('makes an inactive account active again', async () => {
    const userName = uniqueName('inact');
    await register(userName);
    const users = new UserRepository(store);
    const user = (await users.findByUserName('alpha', userName))!;
    await users.setAccountStatus(user.id, 'inactive');
    const refused = await login(userName, PASSWORD);

    const run = await inProcess(['unlock', '--realm', 'alpha', '--user', userName]);

    expect(refused.body.tokenId).toBeUndefined();
    expect(run.stdout).toMatch(/it was not locked, failure counters cleared, account made active again/);
    expect((await users.get(user.id))?.accountStatus).toBe('active');
    expect((await login(userName, PASSWORD)).body.tokenId).toEqual(expect.any(String));
  });

  it('refuses a username no user holds, changing nothing, and writes the audit line to audit.log', async () => {
    const userName = uniqueName('nobody');
    const attempts = new AttemptRepository(store);
    await attempts.countFailure(accountKey('alpha', userName), 'Retry');

    const run = await inProcess(['unlock', '--realm', 'alpha', '--user', userName]);
    const log = auditLines(await readFile(join(dataDir, 'audit.log'), 'utf8'));

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no user ".*" in realm alpha .*nothing was changed/);
    expect((await attempts.get(accountKey('alpha', userName))).counts).toEqual({ Retry: 1 });
    expect(log.at(-1)?.audit).toMatchObject({
      command: 'unlock',
      outcome: 'not-found',
      realm: 'alpha',
      target: 'local',
    });
    expect(JSON.stringify(log)).not.toContain(userName);
  });
});

describe('npm run admin -- delete-user', () => {
  it('erases a user and everything tied to it; re-running is harmless', { timeout: 120_000 }, async () => {
    const userName = uniqueName('erase');
    const mail = `${userName}@example.com`;
    const proofingSession = await provenUser(userName);
    const users = new UserRepository(store);
    const user = (await users.findByUserName('alpha', userName))!;
    // A session from a plain sign-in, and a journey in flight at the face step (state names the user).
    const session = (await login(userName, PASSWORD)).body.tokenId as string;
    const inFlight = (
      await submit(
        'IProovLogin',
        fill(await start('IProovLogin'), { Username: userName, Password: PASSWORD }),
      )
    ).body;
    const ipaSession = await new IpaSessionRepository(store).latestForUser(user.id);
    const enrolled = async () =>
      (await (await fetch(`${rt.iproovSandbox?.url}/sandbox/users`)).json()) as string[];
    const proofFiles = async () =>
      (await readdir(rt.proofsDir, { recursive: true })).filter((f) => f.includes(user.id));
    expect(iproovData(inFlight).type).toBe('verify');
    expect(ipaSession?.proofKey).toEqual(expect.any(String));
    expect(await proofFiles()).not.toEqual([]);
    expect(await enrolled()).toContain(user.id);
    expect(await validate(session)).toBe(true);

    const run = await cli(['delete-user', '--realm', 'alpha', '--user', userName, '--yes']);

    expect(run.stderr).not.toContain('admin:');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Erased user ${user.id} from realm alpha`);
    const [line] = auditLines(run.stdout);
    expect(line).toMatchObject({
      service: 'proofline-operator',
      audit: {
        actor: expect.stringMatching(/^os:/),
        command: 'delete-user',
        target: 'local',
        realm: 'alpha',
        userId: user.id,
        outcome: 'erased',
        counts: {
          sessions: 3,
          iproovEnrolments: 1,
          proofs: 1,
          ipaSessions: 1,
          userItems: 3,
        },
      },
    });
    const counts = (line!.audit as { counts: Record<string, number> }).counts;
    expect(counts.transactions).toBeGreaterThanOrEqual(1);
    expect(counts.iproovClaims).toBeGreaterThanOrEqual(1);
    for (const text of [JSON.stringify(line), await readFile(join(dataDir, 'audit.log'), 'utf8')]) {
      expect(text).not.toContain(userName);
      expect(text).not.toContain(mail);
    }

    // Everything is gone: the user and its guards, sessions, transactions, claims, IPA sessions, the proof file,
    // the enrolment, the lockout record.
    expect(await users.get(user.id)).toBeUndefined();
    expect(await users.isTaken('alpha', 'userName', userName)).toBe(false);
    expect(await users.isTaken('alpha', 'mail', mail)).toBe(false);
    expect(await validate(session)).toBe(false);
    expect(await validate(proofingSession)).toBe(false);
    expect(await scanTable(rt.tables.Sessions, 'userId = :u', { ':u': user.id })).toEqual([]);
    expect(await scanTable(rt.tables.Transactions, '#state.userId = :u', { ':u': user.id })).toEqual([]);
    expect(await scanTable(rt.tables.IproovClaims, 'iproovUserId = :u', { ':u': user.id })).toEqual([]);
    expect(await scanTable(rt.tables.IpaSessions, 'userId = :u', { ':u': user.id })).toEqual([]);
    expect(await proofFiles()).toEqual([]);
    expect(await enrolled()).not.toContain(user.id);
    // The journey in flight is over, and Login answers as for a name nobody holds.
    expect((await submit('IProovLogin', reportFace(inFlight, 'passed'))).status).toBe(401);
    const unknown = uniqueName('erase');
    const normalized = (reply: { status: number; body: AmReply }, name: string) =>
      JSON.parse(
        JSON.stringify({ ...reply, body: { ...reply.body, authId: undefined } }).replaceAll(name, '<n>'),
      );
    expect(normalized(await login(userName, PASSWORD), userName)).toEqual(
      normalized(await login(unknown, PASSWORD), unknown),
    );

    const again = await cli(['delete-user', '--realm', 'alpha', '--user', userName, '--yes']);

    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/no user ".*" in realm alpha .*nothing was changed/);
    expect(auditLines(again.stdout)[0]).toMatchObject({ audit: { outcome: 'not-found' } });
    expect(auditLines(again.stdout)[0]?.audit).not.toHaveProperty('userId');
  });

  it('asks for confirmation, and changes nothing unless the username is typed', async () => {
    const userName = uniqueName('keep');
    const token = await register(userName);

    const declined = await cli(['delete-user', '--realm', 'alpha', '--user', userName], 'no\n');
    const confirmed = await inProcess(['delete-user', '--realm', 'alpha', '--user', userName], userName);

    expect(declined.code).toBe(1);
    expect(declined.stderr).toMatch(
      /Type the username to confirm: admin: not confirmed; nothing was changed/,
    );
    expect(auditLines(declined.stdout)[0]).toMatchObject({ audit: { outcome: 'declined' } });
    expect(confirmed.code).toBe(0);
    expect(confirmed.stdout).toMatch(/sessions +1\n/);
    expect(await validate(token)).toBe(false);
  });

  it('erases what an interrupted erasure left: the order lets a second run finish', async () => {
    const userName = uniqueName('intr');
    const token = await register(userName);
    const users = new UserRepository(store);
    const user = (await users.findByUserName('alpha', userName))!;
    // As if a first run had been interrupted right after it disabled the account.
    await users.setAccountStatus(user.id, 'inactive');

    const run = await inProcess(['delete-user', '--realm', 'alpha', '--user', userName, '--yes']);

    expect(run.code).toBe(0);
    expect(await users.get(user.id)).toBeUndefined();
    expect(await validate(token)).toBe(false);
  });
});

describe('npm run admin usage', () => {
  it.each([
    [[], /Missing command/],
    [['frobnicate', '--realm', 'alpha', '--user', 'x'], /Unknown command "frobnicate"/],
    [['unlock', '--user', 'x'], /Missing --realm/],
    [['unlock', '--realm', 'alpha'], /Missing --user/],
    [['unlock', '--realm', 'alpha', '--user', 'x', '--force'], /Unknown option '--force'/],
    [['unlock', '--realm', 'alpha', '--user', 'x', '--yes'], /--yes is for delete-user only/],
    [['unlock', '--realm', 'a/b', '--user', 'x'], /Invalid realm/],
    [['unlock', '--realm', 'nowhere', '--user', 'x'], /realm "nowhere" is not served/],
  ])('%j → exit 2 with a message', async (args, message) => {
    const run = await inProcess(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('answers usage errors as a process too, and prints help', async () => {
    const wrong = await cli(['delete-user', '--realm', 'alpha', '--nope']);
    const help = await cli(['--help']);

    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/Unknown option '--nope'[\s\S]*Usage: npm run admin --/);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: npm run admin -- <command> --realm REALM --user USERNAME/);
  });
});

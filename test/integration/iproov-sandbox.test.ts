import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { clearIproovTokenCache, IproovClient } from '../../functions/providers/iproov/client.js';
import { iproovConfigFromEnv } from '../../functions/providers/iproov/config.js';
import { IPROOV_SANDBOX_FILE, IproovSandbox } from '../../sandboxes/iproov/server.js';

/** The iProov sandbox on a data folder (as `npm start` runs it under DATA_DIR): enrolments survive a restart. */
const dirs: string[] = [];
const running: IproovSandbox[] = [];

async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'proofline-iproov-'));
  dirs.push(dir);
  return dir;
}

async function startOn(dataDir: string): Promise<{ sandbox: IproovSandbox; client: IproovClient }> {
  const sandbox = new IproovSandbox({
    apiKey: 'key',
    apiSecret: 'secret',
    oauthUsername: 'oauth-user',
    oauthPassword: 'oauth-pass',
    dataDir,
  });
  await sandbox.start();
  running.push(sandbox);
  clearIproovTokenCache();
  return { sandbox, client: new IproovClient({ ...iproovConfigFromEnv(sandbox.env()), timeoutMs: 2000 }) };
}

/** Enrols `userId` by a passed scan, through the real client. */
async function enrol(sandbox: IproovSandbox, client: IproovClient, userId: string): Promise<void> {
  const { token } = await client.claimToken('enrol', {
    userId,
    assuranceType: 'genuine_presence',
    resource: 'proofline',
  });
  sandbox.scan(token, 'passed');
  expect(await client.validate('enrol', { userId, token })).toMatchObject({ passed: true });
}

beforeEach(() => clearIproovTokenCache());
afterAll(async () => {
  for (const sandbox of running) await sandbox.stop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('iProov sandbox on a data folder', () => {
  it('keeps enrolments across a stop and a start on the same folder', async () => {
    const dir = await folder();
    const first = await startOn(dir);
    await enrol(first.sandbox, first.client, 'alice');
    await enrol(first.sandbox, first.client, 'bob');
    await first.sandbox.stop();

    const second = await startOn(dir);

    expect(await second.client.isEnrolled('alice')).toBe(true);
    expect(await second.client.isEnrolled('bob')).toBe(true);
    expect(await second.client.isEnrolled('carol')).toBe(false);
    // A verify token is only claimed for an enrolled user: the restarted sandbox knows alice.
    const verify = await second.client.claimToken('verify', {
      userId: 'alice',
      assuranceType: 'genuine_presence',
      resource: 'proofline',
    });
    second.sandbox.scan(verify.token, 'passed');
    expect(await second.client.validate('verify', { userId: 'alice', token: verify.token })).toMatchObject({
      passed: true,
    });
  });

  it('writes the enrolments to a 0600 file, replaced whole (no temporary file left)', async () => {
    const dir = await folder();
    const { sandbox, client } = await startOn(dir);
    await enrol(sandbox, client, 'dora');

    const file = join(dir, IPROOV_SANDBOX_FILE);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ enrolled: ['dora'] });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual([IPROOV_SANDBOX_FILE]);
  });

  it('keeps a deletion across a restart', async () => {
    const dir = await folder();
    const first = await startOn(dir);
    await enrol(first.sandbox, first.client, 'erin');
    await enrol(first.sandbox, first.client, 'frank');
    await first.client.deleteUser('erin');
    await first.sandbox.stop();

    const second = await startOn(dir);

    expect(await second.client.isEnrolled('erin')).toBe(false);
    expect(await second.client.isEnrolled('frank')).toBe(true);
  });

  it('refuses to start on a file that is not a list of enrolments, naming it', async () => {
    const dir = await folder();
    await writeFile(join(dir, IPROOV_SANDBOX_FILE), '{"enrolled": 42}');
    const sandbox = new IproovSandbox({
      apiKey: 'key',
      apiSecret: 'secret',
      oauthUsername: 'u',
      oauthPassword: 'p',
      dataDir: dir,
    });

    await expect(sandbox.start()).rejects.toThrow(IPROOV_SANDBOX_FILE);
  });

  it('is given DATA_DIR by the local runtime: an enrolment survives a restart of the runtime', async () => {
    const dir = await folder();
    const { startRuntime } = await import('../../infra/local/runtime.js');
    const options = { port: 0, dataDir: dir, dynamodbEndpoint: inject('dynamodbEndpoint'), env: process.env };
    const first = await startRuntime(options);
    try {
      const sandbox = first.iproovSandbox as IproovSandbox;
      clearIproovTokenCache();
      await enrol(
        sandbox,
        new IproovClient({ ...iproovConfigFromEnv(sandbox.env()), timeoutMs: 2000 }),
        'gina',
      );
    } finally {
      await first.stop();
    }

    const second = await startRuntime(options);
    try {
      const sandbox = second.iproovSandbox as IproovSandbox;
      clearIproovTokenCache();
      const client = new IproovClient({ ...iproovConfigFromEnv(sandbox.env()), timeoutMs: 2000 });

      expect(await client.isEnrolled('gina')).toBe(true);
      expect((await stat(join(dir, IPROOV_SANDBOX_FILE))).mode & 0o777).toBe(0o600);
    } finally {
      await second.stop();
    }
  });

  it('stays in memory without a data folder', async () => {
    const sandbox = new IproovSandbox({
      apiKey: 'k',
      apiSecret: 's',
      oauthUsername: 'u',
      oauthPassword: 'p',
    });
    await sandbox.start();
    running.push(sandbox);

    expect(sandbox.enrolled.size).toBe(0);
  });
});

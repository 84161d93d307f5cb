import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ScanCommand } from '../../functions/aws/dynamodb.js';
import { ThrottledError } from '../../functions/shared/throttled.js';
import { createDocumentClient, type Store, type TableNames } from '../../functions/store/dynamo.js';
import { hashPassword } from '../../functions/store/password.js';
import { clientKey, ThrottleRepository, throttlePolicyFromEnv } from '../../functions/store/throttle.js';
import { UserRepository } from '../../functions/store/users.js';
import type { Runtime } from '../../infra/local/runtime.js';
import { fill, type HttpReply, PASSWORD, type Step, uniqueName } from './am-client.js';
import { completeProfile } from './complete-users.js';
import { testStore } from './test-store.js';

/**
 * Throttling over HTTP, on a runtime of its own whose limits are low and whose Attempts table is its own (every
 * test client is 127.0.0.1, so the shared runtime runs with a generous client limit).
 */
let runtime: Runtime;
const attemptsTable = `proofline-Attempts-throttle-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  const { startRuntime } = await import('../../infra/local/runtime.js');
  runtime = await startRuntime({
    port: 0,
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    env: {
      ...process.env,
      REALMS: 'alpha',
      ATTEMPTS_TABLE: attemptsTable,
      THROTTLE_LOGIN_CLIENT_MAX: '8',
      THROTTLE_LOGIN_CLIENT_DELAY_SECONDS: '1',
      THROTTLE_LOGIN_ACCOUNT_MAX: '3',
      THROTTLE_LOGIN_ACCOUNT_DELAY_SECONDS: '1',
      THROTTLE_MESSAGE_DESTINATION_MAX: '1',
    },
  });
});
afterAll(() => runtime?.stop());

const url = (journey: string) =>
  `${runtime.url}/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=${journey}`;

/** POSTs from a loopback address of the test's own (127.0.0.x), so that each test is its own client. */
function post(
  journey: string,
  body?: unknown,
  from = '127.0.0.1',
): Promise<HttpReply<Step & Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const payload = body ? JSON.stringify(body) : '';
    const request = httpRequest(
      url(journey),
      {
        method: 'POST',
        localAddress: from,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(response.headers))
            if (typeof value === 'string') headers.set(name, value);
          resolve({
            status: response.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
            headers,
          });
        });
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

const credentials = async (userName: string, password: string, from?: string) =>
  fill((await post('Login', undefined, from)).body, { Username: userName, Password: password });

const users = () => new UserRepository(testStore());

describe('throttling of failed credentials', () => {
  it('answers 429 with a growing Retry-After past the client limit, and keeps the step', async () => {
    // Eight failures from this address (different names: no lockout) are within the limit; the ninth is over.
    const from = '127.0.0.2';
    for (let i = 0; i < 8; i++) {
      const reply = await post('Login', await credentials(uniqueName('spray'), 'wrong-password', from), from);
      expect(reply.status).toBe(200);
    }
    const step = await credentials(uniqueName('spray'), 'wrong-password', from);

    const refused = await post('Login', step, from);
    const again = await post('Login', step, from);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const later = await post('Login', step, from);
    // Another client is not affected, and the refused step is intact: the same authId goes through from there.
    const other = await post('Login', step, '127.0.0.3');

    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({
      code: 429,
      reason: 'Too Many Requests',
      message: expect.any(String),
    });
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(again.status).toBe(429);
    // Past the wait, still over the limit in this window: refused again, for twice as long.
    expect(later.status).toBe(429);
    expect(later.headers.get('retry-after')).toBe('2');
    expect(other.status).toBe(200);
    expect(other.body.callbacks).toBeDefined();
  });

  it('lets no more than the limit through when the attempts come in parallel', async () => {
    const from = '127.0.0.6';
    const steps = await Promise.all(
      Array.from({ length: 20 }, () => credentials(uniqueName('burst'), 'wrong-password', from)),
    );

    const replies = await Promise.all(steps.map((step) => post('Login', step, from)));

    // The client limit here is 8: exactly 8 evaluated (200, the page again), the other 12 refused before it.
    expect(replies.filter((r) => r.status === 200)).toHaveLength(8);
    expect(replies.filter((r) => r.status === 429)).toHaveLength(12);
  });
});

describe('throttle counters', () => {
  const store = (): Store => ({
    doc: createDocumentClient(inject('dynamodbEndpoint')),
    tables: { ...(inject('tables') as TableNames), Attempts: attemptsTable },
  });

  it('block an account past its limit and forget it on a success', async () => {
    const throttle = new ThrottleRepository(
      store(),
      throttlePolicyFromEnv({ THROTTLE_LOGIN_ACCOUNT_MAX: '2' }),
    );
    const key = { id: `cred#acct#alpha#${uniqueName()}`, limit: throttle.policy.credentialsPerAccount };

    await throttle.record([key]);
    await throttle.record([key]);
    await throttle.check([key]);
    await throttle.record([key]);
    const blocked = await throttle.check([key]).catch((error: unknown) => error);
    await throttle.clear(key);

    expect(blocked).toBeInstanceOf(ThrottledError);
    expect((blocked as ThrottledError).retryAfterSeconds).toBe(30);
    await expect(throttle.check([key])).resolves.toBeUndefined();
  });

  it('refuse a message past its destination limit and keep no address in the table', async () => {
    const throttle = new ThrottleRepository(
      store(),
      throttlePolicyFromEnv({ THROTTLE_MESSAGE_DESTINATION_MAX: '2' }),
    );
    const address = `${uniqueName()}@example.com`;
    const { destinationKey } = await import('../../functions/store/throttle.js');
    const key = { id: `msg#${destinationKey(address)}`, limit: throttle.policy.messagesPerDestination };

    await throttle.consume([key]);
    await throttle.consume([key]);
    const third = await throttle.consume([key]).catch((error: unknown) => error);
    const items = await store().doc.send(new ScanCommand({ TableName: attemptsTable }));

    expect(third).toBeInstanceOf(ThrottledError);
    expect(JSON.stringify(items.Items)).not.toContain(address);
  });

  it('group IPv6 clients by /64 and IPv4-mapped addresses as IPv4', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe(clientKey('2001:db8:1:2:ffff:1:2:3'));
    expect(clientKey('2001:db8:1:2::1')).not.toBe(clientKey('2001:db8:1:3::1'));
    expect(clientKey('::ffff:192.0.2.7')).toBe('ip4#192.0.2.7');
    expect(clientKey('192.0.2.7')).toBe('ip4#192.0.2.7');
    expect(clientKey('not an address')).toBeUndefined();
  });
});

describe('a success clears the account count', () => {
  it('so that a user who mistypes now and then is never throttled', async () => {
    const userName = uniqueName('typo');
    await users().create('alpha', { userName, ...(await completeProfile()) }, await hashPassword(PASSWORD));
    const from = '127.0.0.4';
    const signIn = async (password: string) =>
      (await post('Login', await credentials(userName, password, from), from)).status;

    const statuses = [];
    for (let round = 0; round < 3; round++) {
      statuses.push(await signIn('wrong'), await signIn('wrong'), await signIn(PASSWORD));
    }

    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200]);
  });
});

describe('throttling of messages', () => {
  it('sends an IPA link by SMS to a number once, then answers 429 for the same number', async () => {
    // Two accounts with one mobile number (numbers are not unique): each starts proofing with the SMS link.
    const number = `+44770090${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`;
    const names = [uniqueName('sms'), uniqueName('sms')];
    for (const userName of names) {
      await users().create(
        'alpha',
        { userName, telephoneNumber: number, givenName: 'Ada', sn: 'Lovelace' },
        await hashPassword(PASSWORD),
      );
    }
    const from = '127.0.0.5';
    const bySms = async (userName: string) => {
      const first = await post('IdentityProofing', undefined, from);
      const choice = await post(
        'IdentityProofing',
        fill(first.body, { Username: userName, Password: PASSWORD }),
        from,
      );
      const step = structuredClone(choice.body);
      const confirmation = step.callbacks.find((c) => c.type === 'ChoiceCallback');
      const options = (confirmation?.output.find((o) => o.name === 'choices')?.value ?? []) as string[];
      (confirmation?.input[0] as { value: unknown }).value = options.findIndex((o) => /SMS|text/i.test(o));
      return post('IdentityProofing', step, from);
    };

    const sent = await bySms(names[0] as string);
    const sessionsBefore = runtime.idemiaSandbox?.sessions.size;
    const refused = await bySms(names[1] as string);
    // Throttled before anything was done: no IDEMIA session was created for the refused request.
    expect(runtime.idemiaSandbox?.sessions.size).toBe(sessionsBefore);
    const texts = runtime.outbox.entries.filter((e) => e.to === number);

    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 429, reason: 'Too Many Requests' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(texts).toHaveLength(1);
  });
});

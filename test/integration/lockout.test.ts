import { randomBytes, scryptSync } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { UpdateCommand } from '../../functions/aws/dynamodb.js';
import { systemClock } from '../../functions/contract/clock.js';
import type { NodeServices, PasswordHasher } from '../../functions/contract/nodes.js';
import { TooManyRequestsError } from '../../functions/engine/errors.js';
import type { JourneyService, StepResponse } from '../../functions/engine/journeys.js';
import { AttemptRepository, accountKey, PERMANENT } from '../../functions/store/attempts.js';
import { createDocumentClient, nowSeconds, type TableNames } from '../../functions/store/dynamo.js';
import { passwordHasher } from '../../functions/store/password-hasher.js';
import { ThrottleRepository, throttlePolicyFromEnv } from '../../functions/store/throttle.js';
import { UserRepository } from '../../functions/store/users.js';
import { fill, login, PASSWORD, register, type Step, start, submit, uniqueName } from './am-client.js';
import { completeProfile } from './complete-users.js';
import { writeLegacyUser } from './legacy-users.js';
import { journeysWith, tracedStore } from './traced-journeys.js';

/**
 * The lockout (ADR 10) on the real ASL, nodes and DynamoDB Local, with the password hasher and the store
 * instrumented: how many passwords were evaluated for an account, and what the store did for a name.
 */
type Operation = string;

/** Users with their security answers, the terms and preferences: Login's ProgressiveProfile asks nothing. */
const complete = await completeProfile();

function harness() {
  const operations: Operation[] = [];
  const store = tracedStore(operations);
  const evaluations = new Map<string, number>();
  const count = (stored: string) => evaluations.set(stored, (evaluations.get(stored) ?? 0) + 1);
  const passwords: PasswordHasher = {
    hash: passwordHasher.hash,
    needsRehash: passwordHasher.needsRehash,
    async verify(password, stored) {
      count(stored);
      operations.push('hash');
      return passwordHasher.verify(password, stored);
    },
    async burn(password) {
      count('(no user)');
      operations.push('hash');
      return passwordHasher.burn(password);
    },
  };
  const users = new UserRepository(store);
  const attempts = new AttemptRepository(store);
  const throttle = new ThrottleRepository(store, throttlePolicyFromEnv({}));
  // The lock's email (Email Template) is handed to the mailer for a known and an unknown name alike.
  const mailer = {
    async enqueue() {
      operations.push('mail');
    },
  };
  const services: NodeServices = { clock: systemClock, passwords, users, attempts, throttle, mailer };
  const journeys = journeysWith(store, services);
  return { journeys, users, attempts, evaluations, operations, store };
}

const stepOf = (response: StepResponse): Step => {
  if (response.type !== 'step') throw new Error(`expected a step, got ${JSON.stringify(response)}`);
  const { type: _type, ...step } = response;
  return step as Step;
};

/** Starts Login and submits the credentials; the reply's type: step (try again), success, failure or 429. */
async function attempt(
  journeys: JourneyService,
  userName: string,
  password: string,
): Promise<StepResponse['type'] | 'throttled'> {
  const first = stepOf(await journeys.start('Login', 'alpha'));
  try {
    return (await journeys.submit('alpha', 'Login', fill(first, { Username: userName, Password: password })))
      .type;
  } catch (error) {
    if (error instanceof TooManyRequestsError) return 'throttled';
    throw error;
  }
}

describe('the account lockout', () => {
  it.each([20, 50])(
    'evaluates at most retryLimit passwords for %i parallel wrong guesses, then the account is locked',
    async (parallel) => {
      const h = harness();
      const userName = uniqueName('lock');
      const user = await h.users.create(
        'alpha',
        { userName, ...complete },
        await passwordHasher.hash(PASSWORD),
      );

      const replies = await Promise.all(
        Array.from({ length: parallel }, (_, i) => attempt(h.journeys, userName, `wrong-${i}`)),
      );
      const rightAfterwards = await attempt(h.journeys, userName, PASSWORD);

      expect(h.evaluations.get(user.passwordHash as string)).toBe(3);
      expect(replies.filter((r) => r === 'success')).toEqual([]);
      // Three evaluated and refused (the third locks); the rest found the attempts taken (429) or the lock (401).
      expect(replies.filter((r) => r === 'step').length).toBeLessThanOrEqual(2);
      expect(replies.every((r) => ['step', 'failure', 'throttled'].includes(r))).toBe(true);
      // Refused either way: by the lock (401), or first by the account's throttle, which counted the burst (429).
      expect(['failure', 'throttled']).toContain(rightAfterwards);
      expect(h.evaluations.get(user.passwordHash as string)).toBe(3);
      const state = await h.attempts.get(accountKey('alpha', userName));
      expect(state.lockedUntil).toBeGreaterThan(nowSeconds() + 14 * 60);
      expect(state.lockedUntil).toBeLessThanOrEqual(nowSeconds() + 15 * 60);
    },
  );

  it('lets the right password through among parallel wrong ones only within the limit', async () => {
    const h = harness();
    const userName = uniqueName('race');
    const user = await h.users.create(
      'alpha',
      { userName, ...complete },
      await passwordHasher.hash(PASSWORD),
    );

    const replies = await Promise.all([
      ...Array.from({ length: 19 }, (_, i) => attempt(h.journeys, userName, `wrong-${i}`)),
      attempt(h.journeys, userName, PASSWORD),
    ]);

    // However the 20 interleave: without a success, exactly 3 wrong passwords were evaluated and the account
    // is locked; a success clears the count, so at most 3 wrong ones before it and 3 after it.
    const evaluated = h.evaluations.get(user.passwordHash as string) ?? 0;
    const successes = replies.filter((r) => r === 'success').length;
    const locked = (await h.attempts.get(accountKey('alpha', userName))).lockedUntil !== undefined;
    expect(successes).toBeLessThanOrEqual(1);
    if (successes === 0) {
      expect(evaluated).toBe(3);
      expect(locked).toBe(true);
    } else {
      expect(evaluated).toBeLessThanOrEqual(3 + 1 + 3);
    }
  });

  it('does the same store work and hashing for an unknown name as for a known one', async () => {
    const h = harness();
    const known = uniqueName('know');
    const unknown = uniqueName('unkn');
    await h.users.create('alpha', { userName: known, ...complete }, await passwordHasher.hash(PASSWORD));
    const trace = async (userName: string) => {
      const first = stepOf(await h.journeys.start('Login', 'alpha'));
      const from = h.operations.length;
      const reply = await h.journeys.submit(
        'alpha',
        'Login',
        fill(first, { Username: userName, Password: 'wrong-password' }),
      );
      return { reply: reply.type, operations: h.operations.slice(from) };
    };

    const knownTrace = [await trace(known), await trace(known), await trace(known)];
    const unknownTrace = [await trace(unknown), await trace(unknown), await trace(unknown)];

    expect(unknownTrace).toEqual(knownTrace);
    expect(knownTrace.map((t) => t.reply)).toEqual(['step', 'step', 'failure']);
    expect(knownTrace[0]?.operations.filter((o) => o === 'hash')).toHaveLength(1);
    // The third failure locks and mails (nothing, for the unknown name): the same look-up and call.
    expect(knownTrace[2]?.operations.join(' | ')).toContain(
      'BatchGetCommand Users | GetCommand Users | mail',
    );
  });

  it('does the same store work for an unknown name as for a legacy user (ADR 11), in every realm', async () => {
    const h = harness();
    const legacy = uniqueName('legacy');
    const unknown = uniqueName('unkn');
    await writeLegacyUser(h.store, legacy, await passwordHasher.hash(PASSWORD));
    const trace = async (realm: string, userName: string) => {
      const first = stepOf(await h.journeys.start('Login', realm));
      const from = h.operations.length;
      const reply = await h.journeys.submit(
        realm,
        'Login',
        fill(first, { Username: userName, Password: 'wrong-password' }),
      );
      return { reply: reply.type, operations: h.operations.slice(from) };
    };

    const forLegacy = [await trace('alpha', legacy), await trace('root', legacy)];
    const forUnknown = [await trace('alpha', unknown), await trace('root', unknown)];

    expect(forUnknown).toEqual(forLegacy);
    expect(forLegacy[0]?.operations).toContain('BatchGetCommand Users');
    expect(forLegacy[0]?.operations.filter((o) => o === 'hash')).toHaveLength(1);
  });

  it('forgets the count and lifts the lock once its duration is over', async () => {
    const h = harness();
    const userName = uniqueName('over');
    await h.users.create('alpha', { userName, ...complete }, await passwordHasher.hash(PASSWORD));
    const key = accountKey('alpha', userName);
    for (let i = 0; i < 3; i++) await attempt(h.journeys, userName, 'wrong');
    expect((await h.attempts.get(key)).lockedUntil).toBeDefined();

    // The lock's end, as a clock 15 minutes later would see it.
    await h.attempts.lock(key, nowSeconds() - 1);
    const afterLock = await attempt(h.journeys, userName, 'wrong');
    const state = await h.attempts.get(key);
    const signedIn = await attempt(h.journeys, userName, PASSWORD);

    expect(afterLock).toBe('step');
    expect(state).toEqual({ counts: { RetryLimitDecision: 1 } });
    expect(signedIn).toBe('success');
    expect((await h.attempts.get(key)).counts).toEqual({});
  });

  it('frees a count left at its limit without a lock (a step that crashed) once it expires', async () => {
    const h = harness();
    const userName = uniqueName('stuck');
    const key = accountKey('alpha', userName);
    for (let i = 0; i < 3; i++) await h.attempts.reserve(key, 'RetryLimitDecision', 3);
    const refused = await h.attempts.reserve(key, 'RetryLimitDecision', 3);
    // As DynamoDB (or a clock 15 minutes later) would see the item: expired, whether or not TTL removed it.
    await createDocumentClient(inject('dynamodbEndpoint')).send(
      new UpdateCommand({
        TableName: (inject('tables') as TableNames).Attempts,
        Key: { id: key },
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': nowSeconds() - 1 },
      }),
    );
    const later = await h.attempts.reserve(key, 'RetryLimitDecision', 3);

    expect(refused).toEqual({ reserved: false, locked: false });
    expect(later).toEqual({ reserved: true, count: 1 });
  });

  it("keeps each factor's count apart, and no username in its keys", async () => {
    const h = harness();
    const userName = uniqueName('both');
    const key = accountKey('alpha', userName);
    await h.attempts.reserve(key, 'RetryLimitDecision', 3);
    await h.attempts.countFailure(key, 'FaceRetryLimit');

    await h.attempts.clear(key, 'FaceRetryLimit');

    expect((await h.attempts.get(key)).counts).toEqual({ RetryLimitDecision: 1 });
    expect(key).not.toContain(userName);
  });

  it('keeps a lock with no duration until an operator lifts it', async () => {
    const h = harness();
    const userName = uniqueName('perm');
    await h.users.create('alpha', { userName, ...complete }, await passwordHasher.hash(PASSWORD));
    const key = accountKey('alpha', userName);
    await h.attempts.lock(key, PERMANENT);

    const refused = await attempt(h.journeys, userName, PASSWORD);
    await h.attempts.unlock(key);
    const afterUnlock = await attempt(h.journeys, userName, PASSWORD);

    expect(refused).toBe('failure');
    expect(afterUnlock).toBe('success');
  });
});

describe('legacy password hashes', () => {
  it('re-hashes a scrypt password with Argon2id at the next successful sign-in', async () => {
    const h = harness();
    const userName = uniqueName('old');
    const salt = randomBytes(16);
    const key = scryptSync(PASSWORD.normalize('NFKC'), salt, 32, { N: 2 ** 10, r: 8, p: 1 });
    const legacy = ['scrypt', 2 ** 10, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
    const user = await h.users.create('alpha', { userName, ...complete }, legacy);

    const signedIn = await attempt(h.journeys, userName, PASSWORD);
    const rehashed = (await h.users.get(user.id))?.passwordHash ?? '';
    const again = await attempt(h.journeys, userName, PASSWORD);

    expect(signedIn).toBe('success');
    expect(rehashed).toMatch(/^\$argon2id\$/);
    expect(again).toBe('success');
  });
});

describe('the lockout over HTTP', () => {
  it('takes an absurdly long username as a name nobody holds, not a server error', async () => {
    const long = `${uniqueName('long')}${'é'.repeat(3000)}`;

    const reply = await submit<Step>('Login', fill(await start('Login'), { Username: long, Password: 'x' }));

    expect(reply.status).toBe(200);
    expect(reply.body.callbacks.length).toBeGreaterThan(0);
  });

  it('answers an unknown name exactly as a known one, lock included', async () => {
    const known = uniqueName('know');
    const unknown = uniqueName('unkn');
    await register(known);
    const three = async (userName: string) => {
      const replies = [];
      for (let i = 0; i < 3; i++) {
        const reply = await submit<Step>(
          'Login',
          fill(await start('Login'), { Username: userName, Password: 'wrong-password' }),
        );
        replies.push({
          status: reply.status,
          body: JSON.parse(
            JSON.stringify({ ...reply.body, authId: undefined }).replaceAll(userName, '<name>'),
          ),
        });
      }
      return replies;
    };

    const forKnown = await three(known);
    const forUnknown = await three(unknown);

    expect(forKnown.map((r) => r.status)).toEqual([200, 200, 401]);
    expect(forUnknown).toEqual(forKnown);
    expect((await login(known, PASSWORD)).status).toBe(401);
  });
});

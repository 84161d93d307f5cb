import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  authenticate,
  createdUsers,
  fill,
  PASSWORD,
  post,
  type Reply,
  register,
  registrationValues,
  sessions,
  target,
} from './client.js';

/**
 * The same journeys against any target, through the public HTTP API only (AM's callbacks protocol), with
 * fresh user names so the suite can run again and again against a shared stage.
 */
if (target.skipReason) process.stdout.write(`e2e target ${target.name} skipped: ${target.skipReason}\n`);

describe.skipIf(!target.baseUrl)(`journeys (${target.name})`, () => {
  async function login(userName: string, password: string): Promise<Reply> {
    const start = await post(authenticate('Login'));
    return post(authenticate('Login'), fill(start.body, [userName, password]));
  }

  const userName = `e2e-${randomBytes(6).toString('hex')}`;
  let token: string;

  beforeAll(async () => {
    const done = await register(userName);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    token = done.body.tokenId as string;
  });

  it('registers a user and signs them in', () => {
    expect(token).toEqual(expect.any(String));
  });

  it('signs in with the right password and validates, then ends, the session', async () => {
    const reply = await login(userName, PASSWORD);
    const session = reply.body.tokenId as string;

    const valid = await post(sessions('validate'), undefined, { iPlanetDirectoryPro: session });
    const logout = await post(sessions('logout'), undefined, { iPlanetDirectoryPro: session });
    const after = await post(sessions('validate'), undefined, { iPlanetDirectoryPro: session });

    expect(reply.status).toBe(200);
    expect(valid.body).toMatchObject({ valid: true, uid: userName });
    expect(logout.body).toEqual({ result: 'Successfully logged out' });
    expect(after.body).toEqual({ valid: false });
  });

  it('shows the page again with an error after a wrong password', async () => {
    const reply = await login(userName, 'Wrong-Passw0rd');

    expect(reply.status).toBe(200);
    expect(reply.body.callbacks?.[0]?.type).toBe('TextOutputCallback');
  });

  it('refuses a replayed authId', async () => {
    const start = await post(authenticate('Login'));
    const step = fill(start.body, [userName, PASSWORD]);
    const first = await post(authenticate('Login'), step);

    const replay = await post(authenticate('Login'), step);

    expect(first.status).toBe(200);
    expect(replay.status).toBe(401);
    expect(replay.body).toMatchObject({ code: 401, reason: 'Unauthorized' });
  });

  it("answers malformed JSON and an unknown journey with 400 in AM's shape", async () => {
    const malformed = await post(authenticate('Login'), '{"authId":');
    const unknown = await post(authenticate('NoSuchJourney'));

    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ code: 400, reason: 'Bad Request' });
    expect(unknown.status).toBe(400);
  });

  it('locks the account after 3 failures: even the right password is then refused', async () => {
    const victim = `e2e-lock-${randomBytes(6).toString('hex')}`;
    createdUsers.add(victim);
    const start = await post(authenticate('Registration'));
    await post(
      authenticate('Registration'),
      fill(start.body, registrationValues(victim, 'Ada', 'Byron', false)),
    );

    const attempts: Reply[] = [];
    for (let i = 0; i < 3; i++) attempts.push(await login(victim, 'Wrong-Passw0rd'));
    const afterwards = await login(victim, PASSWORD);

    expect(attempts.map((a) => a.status)).toEqual([200, 200, 401]);
    expect(attempts[2]?.body).toEqual({
      code: 401,
      reason: 'Unauthorized',
      message: 'Login failure',
      detail: { failureUrl: '' },
    });
    expect(afterwards.status).toBe(401);
  });

  it('throttles guesses at one name past the account limit: 429 with Retry-After, the step kept', async () => {
    // A name nobody holds (counted like a real one): locked after 3 failures, then throttled after 10 attempts.
    const name = `e2e-nobody-${randomBytes(6).toString('hex')}`;
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await login(name, 'Wrong-Passw0rd')).status);
    const start = await post(authenticate('Login'));
    const step = fill(start.body, [name, 'Wrong-Passw0rd']);
    const refused = await post(authenticate('Login'), step);

    expect(statuses).toEqual([200, 200, 401, 401, 401, 401, 401, 401, 401, 401]);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 429, reason: 'Too Many Requests' });
    // The throttled step was put back: the same authId is still the journey's (429 again, not 401).
    expect((await post(authenticate('Login'), step)).status).toBe(429);
  });
});

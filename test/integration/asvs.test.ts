import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GetCommand, ScanCommand } from '../../functions/aws/dynamodb.js';
import type { Store } from '../../functions/store/dynamo.js';
import { SessionRepository } from '../../functions/store/sessions.js';
import {
  authenticateUrl,
  baseUrl,
  fill,
  login,
  PASSWORD,
  post,
  register,
  type Step,
  uniqueName,
} from './am-client.js';
import { testStore } from './test-store.js';

/** Checks behind docs/security/asvs-l2.md (OWASP ASVS 4.0.3, V2 and V3) that no other test made. */

const store = (): Store => testStore();

const sessionsUrl = (action: string): string =>
  `${baseUrl()}/json/realms/root/realms/alpha/sessions?_action=${action}`;

const validate = async (token: string): Promise<unknown> =>
  (await post(sessionsUrl('validate'), undefined, { iPlanetDirectoryPro: token })).body;

describe('session tokens (ASVS V3.2)', () => {
  it('are new 256-bit random tokens on every sign-in, stored only as their SHA-256', async () => {
    const userName = uniqueName('asvs');
    const registered = await register(userName);

    // A client that already holds a session signs in again: it is asked for its password and gets a new
    // token, not the one it sent.
    const withSession = { Cookie: `iPlanetDirectoryPro=${registered}` };
    const step = (await post<Step>(authenticateUrl('Login'), undefined, withSession)).body;
    const again = await post<Step & { tokenId?: string }>(
      authenticateUrl('Login'),
      fill(step, { Username: userName, Password: PASSWORD }),
      withSession,
    );
    const third = await login(userName, PASSWORD);
    const tokens = [registered, again.body.tokenId as string, third.body.tokenId as string];

    expect(step.callbacks.map((c) => c.type)).toContain('ValidatedCreatePasswordCallback');
    expect(new Set(tokens).size).toBe(3);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
      expect(await validate(token)).toMatchObject({ valid: true, uid: userName });
      const { Item } = await store().doc.send(
        new GetCommand({
          TableName: store().tables.Sessions,
          Key: { id: createHash('sha256').update(token, 'utf8').digest('hex') },
        }),
      );
      expect(Item).toMatchObject({ userName, realm: 'alpha' });
      expect(JSON.stringify(Item)).not.toContain(token);
    }
    const { Items } = await store().doc.send(new ScanCommand({ TableName: store().tables.Sessions }));
    expect(JSON.stringify(Items)).not.toContain(tokens[1]);
    expect(again.headers.get('set-cookie')).toContain(`iPlanetDirectoryPro=${tokens[1]};`);
  });

  it('are never taken from, nor put in, a URL', async () => {
    const userName = uniqueName('asvs');
    const token = await register(userName);
    const reply = await login(userName, PASSWORD);

    const inQuery = await post(`${sessionsUrl('validate')}&tokenId=${token}&iPlanetDirectoryPro=${token}`);

    expect(inQuery.body).toEqual({ valid: false });
    expect(JSON.stringify(reply.body)).toContain('"successUrl"');
    expect(String((reply.body as { successUrl?: unknown }).successUrl)).not.toContain(
      reply.body.tokenId as string,
    );
    expect(reply.headers.get('location')).toBeNull();
  });
});

describe('session expiry and logout (ASVS V3.3.1)', () => {
  it('answers an expired session as no session, and refuses to log it out', async () => {
    const sessions = new SessionRepository(store());
    const live = await sessions.create(
      { userId: 'asvs-user', userName: uniqueName('asvs'), realm: 'alpha', journey: 'Login' },
      3600,
    );
    const expired = await sessions.create(
      { userId: 'asvs-user', userName: uniqueName('asvs'), realm: 'alpha', journey: 'Login' },
      0,
    );

    expect(await validate(live)).toMatchObject({ valid: true });
    expect(await validate(expired)).toEqual({ valid: false });
    expect(await sessions.find(expired)).toBeUndefined();
    const logout = await post(sessionsUrl('logout'), undefined, { iPlanetDirectoryPro: expired });
    expect(logout.status).toBe(401);
  });

  it('clears the cookie on logout', async () => {
    const token = await register(uniqueName('asvs'));

    const logout = await post(sessionsUrl('logout'), undefined, { iPlanetDirectoryPro: token });

    expect(logout.status).toBe(200);
    expect(logout.headers.get('set-cookie')).toBe('iPlanetDirectoryPro=; Max-Age=0; Path=/');
    expect(await validate(token)).toEqual({ valid: false });
  });
});

describe('passwords (ASVS V2.1.2–V2.1.4)', () => {
  it('takes a long password with spaces, emoji and other Unicode whole: no truncation', async () => {
    const userName = uniqueName('asvs');
    // 100 code points: spaces, accented letters, CJK and emoji (astral plane), with the capital and digit that
    // the current policy still asks for.
    const password = `Ünïcödé pässwörd 🐎🔋 電池 9 ${'x '.repeat(36)}end`;
    expect([...password]).toHaveLength(100);

    await register(userName, password);
    const right = await login(userName, password);
    const truncated = await login(userName, password.slice(0, -1));

    expect(right.body.tokenId).toEqual(expect.any(String));
    expect(truncated.status).toBe(200);
    expect(truncated.body.tokenId).toBeUndefined();
  });
});

describe('re-authentication before account changes (ASVS V3.7.1)', () => {
  it('asks for the password in IdentityProofing even from a client holding a valid session', async () => {
    const token = await register(uniqueName('asvs'));

    const step = await post<Step>(authenticateUrl('IdentityProofing'), undefined, {
      Cookie: `iPlanetDirectoryPro=${token}`,
      iPlanetDirectoryPro: token,
    });

    expect(step.status).toBe(200);
    expect(step.body.callbacks.map((c) => c.type)).toContain('ValidatedCreatePasswordCallback');
    expect(step.body).not.toHaveProperty('tokenId');
  });
});

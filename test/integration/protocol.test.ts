import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  authenticateUrl,
  baseUrl,
  fill,
  login,
  PASSWORD,
  post,
  register,
  type Step,
  start,
  submit,
  uniqueName,
} from './am-client.js';

const amError = (code: number) => ({ code, reason: expect.any(String), message: expect.any(String) });

describe('callbacks protocol', () => {
  it('serves the root realm and the realm-less path with the same journeys', async () => {
    const reply = await post<Step>(
      `${baseUrl()}/json/realms/root/authenticate?authIndexType=service&authIndexValue=Login`,
    );

    expect(reply.status).toBe(200);
    expect(reply.body.callbacks).toHaveLength(2);
  });

  it('runs the default journey (Login) when none is named', async () => {
    const reply = await post<Step>(`${baseUrl()}/json/realms/root/realms/alpha/authenticate`);

    expect(reply.body.header).toBe('Sign In');
  });

  it.each([
    ['an unknown journey', authenticateUrl('NoSuchJourney'), undefined, 400, /NoSuchJourney/],
    ['an unknown realm', authenticateUrl('Login', 'nowhere'), undefined, 404, /Realm nowhere/],
    [
      'an unsupported authIndexType',
      `${authenticateUrl('Login')}`.replace('authIndexType=service', 'authIndexType=module'),
      undefined,
      400,
      /authIndexType/,
    ],
    ['malformed JSON', authenticateUrl('Login'), '{"authId": ', 400, /not valid JSON/],
    ['a JSON array body', authenticateUrl('Login'), '[]', 400, /JSON object/],
    ['callbacks without authId', authenticateUrl('Login'), { callbacks: [] }, 400, /without an authId/],
    [
      'a body over the limit',
      authenticateUrl('Login'),
      { authId: 'x', pad: 'y'.repeat(200_000) },
      413,
      /larger than/,
    ],
    ['a forged authId', authenticateUrl('Login'), { authId: 'forged.authid', callbacks: [] }, 401, /authId/],
  ])("answers %s with a clear %i in AM's error shape", async (_name, url, body, status, message) => {
    const reply = await post(url, body);

    expect(reply.status).toBe(status);
    expect(reply.body).toMatchObject(amError(status));
    expect(reply.body.message).toMatch(message);
  });

  it('refuses an unsupported protocol version', async () => {
    const reply = await post(authenticateUrl('Login'), undefined, {
      'Accept-API-Version': 'resource=2.1, protocol=2.0',
    });

    expect(reply.status).toBe(400);
    expect(reply.body.message).toMatch(/protocol/);
  });

  it.each([
    ['too few callbacks', (s: Step) => ({ ...s, callbacks: s.callbacks.slice(1) }), /Expected 2 callbacks/],
    [
      'a wrong callback type',
      (s: Step) => ({ ...s, callbacks: [{ ...s.callbacks[0]!, type: 'NameCallback' }, s.callbacks[1]] }),
      /type ValidatedCreateUsernameCallback/,
    ],
    [
      'a wrong _id',
      (s: Step) => ({ ...s, callbacks: [{ ...s.callbacks[0]!, _id: 5 }, s.callbacks[1]] }),
      /_id 0/,
    ],
    [
      'an unknown input name',
      (s: Step) => ({
        ...s,
        callbacks: [{ ...s.callbacks[0]!, input: [{ name: 'IDToken9', value: 'x' }] }, s.callbacks[1]],
      }),
      /no input named IDToken9/,
    ],
    [
      'a missing input',
      (s: Step) => ({ ...s, callbacks: [{ ...s.callbacks[0]!, input: [] }, s.callbacks[1]] }),
      /missing input IDToken1/,
    ],
    [
      'a number for a string input',
      (s: Step) => ({
        ...s,
        callbacks: [{ ...s.callbacks[0]!, input: [{ name: 'IDToken1', value: 42 }] }, s.callbacks[1]],
      }),
      /must be a string/,
    ],
  ])('rejects %s with 400 and leaves the step usable', async (_name, mutate, message) => {
    const step = fill(await start('Login'), { Username: uniqueName(), Password: 'x' });

    const reply = await submit('Login', mutate(step) as Step);
    const retry = await submit('Login', step);

    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject(amError(400));
    expect(reply.body.message).toMatch(message);
    expect(retry.status).toBe(200);
  });

  it('refuses a replayed authId with 401 and changes nothing', async () => {
    const userName = uniqueName();
    await register(userName);
    const step = fill(await start('Login'), { Username: userName, Password: PASSWORD });
    const first = await submit('Login', step);

    const replay = await submit('Login', step);

    expect(first.status).toBe(200);
    expect(first.body.tokenId).toEqual(expect.any(String));
    expect(replay.status).toBe(401);
    expect(replay.body).toMatchObject({ code: 401, reason: 'Unauthorized' });
  });

  it('refuses an authId used with another journey', async () => {
    const step = await start('Login');

    const reply = await submit('Registration', step);

    expect(reply.status).toBe(400);
    expect(reply.body.message).toMatch(/belongs to journey Login/);
  });

  it('takes exactly one of two concurrent submits of the same step', async () => {
    const userName = uniqueName();
    await register(userName);
    const step = fill(await start('Login'), { Username: userName, Password: PASSWORD });

    const replies = await Promise.all([submit('Login', step), submit('Login', step)]);

    const statuses = replies.map((r) => r.status).sort();
    expect(statuses[0]).toBe(200);
    expect([401, 409]).toContain(statuses[1]);
    expect(replies.filter((r) => r.body.tokenId)).toHaveLength(1);
    const loser = replies.find((r) => r.status !== 200)!;
    expect(loser.body.message).toEqual(expect.any(String));
  });

  it('validates and logs out sessions', async () => {
    const userName = uniqueName();
    await register(userName);
    const token = (await login(userName, PASSWORD)).body.tokenId as string;
    const sessions = `${baseUrl()}/json/realms/root/realms/alpha/sessions`;

    const valid = await post(`${sessions}?_action=validate`, { tokenId: token });
    const logout = await post(`${sessions}/?_action=logout`, undefined, {
      Cookie: `iPlanetDirectoryPro=${token}`,
    });
    const after = await post(`${sessions}?_action=validate`, undefined, { iPlanetDirectoryPro: token });
    const again = await post(`${sessions}?_action=logout`, undefined, { iPlanetDirectoryPro: token });

    expect(valid.body).toMatchObject({ valid: true, uid: userName });
    expect(logout.body).toEqual({ result: 'Successfully logged out' });
    expect(after.body).toEqual({ valid: false });
    expect(again.status).toBe(401);
  });

  it('answers a bogus session token as invalid, never as an error', async () => {
    const reply = await post(
      `${baseUrl()}/json/realms/root/realms/alpha/sessions?_action=validate`,
      undefined,
      {
        iPlanetDirectoryPro: 'not-a-token',
      },
    );

    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ valid: false });
  });

  it("answers unknown paths and methods in AM's shape", async () => {
    const missing = await post(`${baseUrl()}/json/realms/root/realms/alpha/nothing`);
    const get = await fetch(authenticateUrl('Login'));

    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject(amError(404));
    expect(get.status).toBe(405);
  });
});

describe('OpenAPI document', () => {
  const openapi = JSON.parse(
    readFileSync(new URL('../../docs/api/openapi.json', import.meta.url), 'utf8'),
  ) as {
    paths: Record<string, Record<string, unknown>>;
  };

  const webhooks = Object.keys(openapi.paths).filter((path) => path.startsWith('/webhooks/'));

  it.each(webhooks)(
    'documents %s, which looks the key up and answers an unknown one with 404',
    async (path) => {
      const reply = await post(`${baseUrl()}${path.replace('{key}', 'A'.repeat(43))}`, {
        sessionId: '00000000-0000-0000-0000-000000000000',
        applicationId: 'x',
        timestamp: 1,
        token: 'x',
      });

      expect(Object.keys(openapi.paths[path]!)).toEqual(['post']);
      expect(reply.status).toBe(404);
      // The endpoint exists: it looked the key up (an unknown path would say "No endpoint at …").
      expect(reply.body).toEqual({ code: 404, message: expect.stringMatching(/^Unknown /) });
    },
  );

  it.each(Object.keys(openapi.paths).filter((path) => !webhooks.includes(path)))(
    'documents %s, which the API serves',
    async (path) => {
      const url = `${baseUrl()}${path.replace('{realm}', 'alpha')}`;
      const query = path.endsWith('sessions')
        ? '?_action=validate'
        : '?authIndexType=service&authIndexValue=Login';

      const reply = await post(`${url}${query}`);

      expect(Object.keys(openapi.paths[path]!)).toEqual(['post']);
      expect(reply.status).toBe(200);
    },
  );
});

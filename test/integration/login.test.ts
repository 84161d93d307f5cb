import { describe, expect, it } from 'vitest';
import {
  baseUrl,
  fill,
  login,
  output,
  PASSWORD,
  post,
  register,
  start,
  submit,
  uniqueName,
} from './am-client.js';

describe('Login journey', () => {
  it("starts with AM's Sign In step: username and password callbacks", async () => {
    const step = await start('Login');

    expect(step.authId).toMatch(/^[A-Za-z0-9_-]{22,}\.[A-Za-z0-9_-]{43,}$/);
    expect(step.header).toBe('Sign In');
    expect(step.callbacks.map((c) => c.type)).toEqual([
      'ValidatedCreateUsernameCallback',
      'ValidatedCreatePasswordCallback',
    ]);
    expect(step.callbacks.map((c) => c.input.map((i) => i.name))).toEqual([
      ['IDToken1', 'IDToken1validateOnly'],
      ['IDToken2', 'IDToken2validateOnly'],
    ]);
    expect(step.callbacks.map((c) => c._id)).toEqual([0, 1]);
  });

  it('signs in a registered user, issues a session and counts the login', async () => {
    // Prepare
    const userName = uniqueName();
    await register(userName);

    // Act
    const reply = await login(userName, PASSWORD);

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      tokenId: expect.any(String),
      successUrl: expect.any(String),
      realm: '/alpha',
    });
    expect(reply.headers.get('set-cookie')).toContain('iPlanetDirectoryPro=');
    const validation = await post(
      `${baseUrl()}/json/realms/root/realms/alpha/sessions?_action=validate`,
      undefined,
      {
        iPlanetDirectoryPro: reply.body.tokenId as string,
      },
    );
    expect(validation.body).toMatchObject({ valid: true, uid: userName, realm: '/alpha' });
  });

  it('shows the page again with an error message after a wrong password', async () => {
    const userName = uniqueName();
    await register(userName);

    const reply = await login(userName, 'Wrong-Passw0rd');

    expect(reply.status).toBe(200);
    expect(reply.body.callbacks.map((c) => c.type)).toEqual([
      'TextOutputCallback',
      'ValidatedCreateUsernameCallback',
      'ValidatedCreatePasswordCallback',
    ]);
    const [message, username] = reply.body.callbacks;
    expect(output(message!, 'message')).toBe('Invalid username or password.');
    expect(output(message!, 'messageType')).toBe('2');
    // The username the user typed is kept; the password never is.
    expect(username!.input[0]!.value).toBe(userName);
    expect(reply.body.callbacks[2]!.input[0]!.value).toBe('');
  });

  it('locks the account after 3 failures: even the right password is refused afterwards', async () => {
    const userName = uniqueName();
    await register(userName);

    let step = await start('Login');
    for (let attempt = 1; attempt <= 2; attempt++) {
      const reply = await submit<typeof step>(
        'Login',
        fill(step, { Username: userName, Password: 'Wrong-Passw0rd' }),
      );
      expect(reply.status).toBe(200);
      step = reply.body;
    }
    const third = await submit('Login', fill(step, { Username: userName, Password: 'Wrong-Passw0rd' }));
    expect(third.status).toBe(401);
    expect(third.body).toEqual({
      code: 401,
      reason: 'Unauthorized',
      message: 'Login failure',
      detail: { failureUrl: '' },
    });

    const withRightPassword = await login(userName, PASSWORD);
    // The account is locked: the identity store evaluates no password, not even the right one (Locked).
    expect(withRightPassword.status).toBe(401);
    expect(withRightPassword.body.tokenId).toBeUndefined();
  });

  it('counts failures across journeys, so starting again does not reset the limit', async () => {
    const userName = uniqueName();
    await register(userName);

    for (let i = 0; i < 2; i++) expect((await login(userName, 'Wrong-Passw0rd')).status).toBe(200);
    const third = await login(userName, 'Wrong-Passw0rd');

    expect(third.status).toBe(401);
  });

  it('answers an unknown user exactly like a wrong password', async () => {
    const reply = await login(uniqueName('nobody'), PASSWORD);

    expect(reply.status).toBe(200);
    expect(output(reply.body.callbacks[0]!, 'message')).toBe('Invalid username or password.');
  });
});

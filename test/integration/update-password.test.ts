import {
  CallbackType,
  Config,
  FRAuth,
  type FRLoginFailure,
  type FRLoginSuccess,
  type FRStep,
  StepType,
  type TextOutputCallback,
  type ValidatedCreatePasswordCallback,
} from '@forgerock/javascript-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { AttemptRepository, accountKey } from '../../functions/store/attempts.js';
import { authenticateUrl, baseUrl, login, PASSWORD, post, register, uniqueName } from './am-client.js';
import { testStore } from './test-store.js';

/**
 * UpdatePassword (AIC's template) through the unmodified ForgeRock SDK. The session token goes with every request
 * as AM takes it, in the `iPlanetDirectoryPro` header, added by the SDK's request middleware (its documented
 * extension point; a browser sends the cookie instead).
 */

/** The SDK's request middleware (its `RequestMiddleware`: request, action, next), which adds the session header. */
type RequestMiddleware = (request: { init: RequestInit }, action: unknown, next: () => unknown) => void;

const NEW_PASSWORD = 'Changed-Passw0rd!';

const withSession =
  (token: string): RequestMiddleware =>
  (request, _action, next) => {
    (request.init.headers as Headers).set('iPlanetDirectoryPro', token);
    next();
  };

const options = (token?: string) => ({
  tree: 'UpdatePassword',
  ...(token ? { middleware: [withSession(token)] } : {}),
});

const passwordCallback = (step: FRStep): ValidatedCreatePasswordCallback =>
  step.getCallbackOfType<ValidatedCreatePasswordCallback>(CallbackType.ValidatedCreatePasswordCallback);

/** Submits `password` on the step's password callback, with the session. */
async function answer(step: FRStep, password: string, token: string) {
  passwordCallback(step).setPassword(password);
  return FRAuth.next(step, options(token));
}

describe('UpdatePassword', () => {
  beforeAll(() => {
    Config.set({ serverConfig: { baseUrl: `${baseUrl()}/`, timeout: 10_000 }, realmPath: 'alpha' });
  });

  it('checks the current password, then sets a new one: the old one no longer signs in, the new one does', async () => {
    const userName = uniqueName('update');
    const token = await register(userName);

    const current = (await FRAuth.next(undefined, options(token))) as FRStep;
    const next = (await answer(current, PASSWORD, token)) as FRStep;
    const done = await answer(next, NEW_PASSWORD, token);

    expect(current.getHeader()).toBe('Update Password');
    expect(current.getDescription()).toBe('Enter your current password.');
    expect(next.getDescription()).toBe('Choose a new password.');
    expect(done.type).toBe(StepType.LoginSuccess);
    expect((done as FRLoginSuccess).getSessionToken()).toEqual(expect.any(String));
    expect((await login(userName, PASSWORD)).body.tokenId).toBeUndefined();
    expect((await login(userName, NEW_PASSWORD)).body.tokenId).toEqual(expect.any(String));
    // The session the change was made with ends with it (ADR 21); the user is mailed (off the response path).
    const validated = await post(
      `${baseUrl()}/json/realms/root/realms/alpha/sessions?_action=validate`,
      undefined,
      { iPlanetDirectoryPro: token },
    );
    expect(validated.body).toEqual({ valid: false });
    let mailed: Array<{ to: string; subject?: string }> = [];
    for (let i = 0; i < 50 && !mailed.some((m) => m.to === `${userName}@example.com`); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      mailed = (await (await fetch(`${baseUrl()}/outbox`)).json()) as typeof mailed;
    }
    expect(mailed.find((m) => m.to === `${userName}@example.com`)?.subject).toBe('Your password was changed');
  });

  it('holds the new password to Registration’s policies', async () => {
    const userName = uniqueName('update');
    const token = await register(userName);

    const current = (await FRAuth.next(undefined, options(token))) as FRStep;
    const next = (await answer(current, PASSWORD, token)) as FRStep;
    const again = (await answer(next, `${userName}-Passw0rd`, token)) as FRStep;

    expect(again.type).toBe(StepType.Step);
    expect(passwordCallback(again).getFailedPolicies()).toEqual([
      { policyRequirement: 'CANNOT_CONTAIN_OTHERS', params: { disallowedFields: 'userName' } },
    ]);
    expect((await login(userName, PASSWORD)).body.tokenId).toEqual(expect.any(String));
  });

  it.each([
    ['no session token', undefined],
    ['a token that is no session', 'not-a-session-token-at-all-0123456789'],
  ])('fails at once (401) with %s', async (_case, token) => {
    const step = await FRAuth.next(undefined, options(token));

    expect(step.type).toBe(StepType.LoginFailure);
    expect((step as FRLoginFailure).getCode()).toBe(401);
  });

  it('takes the token from AM’s cookie too, and only in the realm the session belongs to', async () => {
    const token = await register(uniqueName('update'));
    const url = (realm: string) => authenticateUrl('UpdatePassword', realm);

    const byCookie = await post(url('alpha'), undefined, { Cookie: `iPlanetDirectoryPro=${token}` });
    const otherRealm = await post(url('root'), undefined, { iPlanetDirectoryPro: token });

    expect(byCookie.status).toBe(200);
    expect(byCookie.body.header).toBe('Update Password');
    expect(otherRealm.status).toBe(401);
  });

  it('counts a wrong current password toward the lockout: the 3rd locks the account', async () => {
    const userName = uniqueName('update');
    const token = await register(userName);
    const store = testStore();

    let step = (await FRAuth.next(undefined, options(token))) as FRStep;
    const shown: string[] = [];
    for (let i = 0; i < 2; i++) {
      step = (await answer(step, 'Wrong-Passw0rd', token)) as FRStep;
      shown.push(
        ...step
          .getCallbacksOfType<TextOutputCallback>(CallbackType.TextOutputCallback)
          .map((c: TextOutputCallback) => c.getMessage()),
      );
    }
    const counted = await new AttemptRepository(store).get(accountKey('alpha', userName));
    const third = await answer(step, 'Wrong-Passw0rd', token);

    expect(shown).toEqual(['Invalid password.', 'Invalid password.']);
    expect(counted.counts.RetryLimitDecision).toBe(2);
    expect(third.type).toBe(StepType.LoginFailure);
    expect((await new AttemptRepository(store).get(accountKey('alpha', userName))).lockedUntil).toBeDefined();
    // Locked: even the right password signs in no more (ADR 10), and UpdatePassword refuses it too.
    expect((await login(userName, PASSWORD)).status).toBe(401);
    const retry = (await FRAuth.next(undefined, options(token))) as FRStep;
    expect((await answer(retry, PASSWORD, token)).type).toBe(StepType.LoginFailure);
  });
});

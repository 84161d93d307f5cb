import {
  type AttributeInputCallback,
  CallbackType,
  Config,
  FRAuth,
  type FRStep,
  type PasswordCallback,
  StepType,
  type ValidatedCreatePasswordCallback,
} from '@forgerock/javascript-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { baseUrl, login, PASSWORD, post, register, securityAnswer, uniqueName } from './am-client.js';

/**
 * What a password change and a lock do besides (ADR 21, issue 11): a reset ends the user's other sessions and
 * mails the user; a lock mails the account's owner the way to reset — and nobody for an unknown name.
 */
type OutboxEntry = { to: string; subject?: string; text: string };
const NEW_PASSWORD = 'Another-Passw0rd!';

const outbox = async (): Promise<OutboxEntry[]> =>
  (await (await fetch(`${baseUrl()}/outbox`)).json()) as OutboxEntry[];

/** The mails to `to` once one has `subject` (mail is sent in the background: waits a little for it). */
async function mailsTo(to: string, subject: string): Promise<OutboxEntry[]> {
  for (let i = 0; i < 60; i++) {
    const mails = (await outbox()).filter((m) => m.to === to);
    if (mails.some((m) => m.subject === subject)) return mails;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no mail "${subject}" to ${to}`);
}

const validate = async (token: string): Promise<unknown> =>
  (
    await post(`${baseUrl()}/json/realms/root/realms/alpha/sessions?_action=validate`, undefined, {
      iPlanetDirectoryPro: token,
    })
  ).body;

/** ResetPassword through the SDK: the address, the mailed link, a new password; the session it issues. */
async function resetPassword(mail: string): Promise<string> {
  const first = (await FRAuth.next(undefined, { tree: 'ResetPassword' })) as FRStep;
  first
    .getCallbackOfType<AttributeInputCallback<string>>(CallbackType.StringAttributeInputCallback)
    .setValue(mail);
  await FRAuth.next(first, { tree: 'ResetPassword' });
  const mailed = await mailsTo(mail, 'Reset your password');
  const link = mailed.map((m) => /https?:\/\/\S+suspendedId=\S+/.exec(m.text)?.[0]).find(Boolean);
  let resumed = (await FRAuth.resume(link as string)) as FRStep;
  // Users registered through Registration defined security questions: KBA Verification asks one.
  for (const question of resumed.getCallbacksOfType<PasswordCallback>(CallbackType.PasswordCallback))
    question.setPassword(securityAnswer(question.getPrompt()));
  if (resumed.getCallbacksOfType(CallbackType.PasswordCallback).length > 0)
    resumed = (await FRAuth.next(resumed, { tree: 'ResetPassword' })) as FRStep;
  resumed
    .getCallbackOfType<ValidatedCreatePasswordCallback>(CallbackType.ValidatedCreatePasswordCallback)
    .setPassword(NEW_PASSWORD);
  const done = await FRAuth.next(resumed, { tree: 'ResetPassword' });
  if (done.type !== StepType.LoginSuccess) throw new Error(`reset ended with ${done.type}`);
  return done.getSessionToken() as string;
}

describe('a password reset', () => {
  beforeAll(() => {
    Config.set({ serverConfig: { baseUrl: `${baseUrl()}/`, timeout: 10_000 }, realmPath: 'alpha' });
  });

  it("ends the user's other sessions; the session the reset issues stays valid", async () => {
    const userName = uniqueName('ends');
    const registered = await register(userName);
    const signedIn = (await login(userName, PASSWORD)).body.tokenId as string;
    const other = uniqueName('other');
    const othersSession = await register(other);

    const before = [await validate(registered), await validate(signedIn)];
    const issued = await resetPassword(`${userName}@example.com`);

    expect(before).toMatchObject([{ valid: true }, { valid: true }]);
    expect(await validate(registered)).toEqual({ valid: false });
    expect(await validate(signedIn)).toEqual({ valid: false });
    expect(await validate(issued)).toMatchObject({ valid: true, uid: userName });
    // Another user's session is untouched, and an ended session cannot be logged out either.
    expect(await validate(othersSession)).toMatchObject({ valid: true, uid: other });
    const logout = await post(
      `${baseUrl()}/json/realms/root/realms/alpha/sessions?_action=logout`,
      undefined,
      { iPlanetDirectoryPro: signedIn },
    );
    expect(logout.status).toBe(401);
    // Signing in again after the change gives a valid session.
    const again = (await login(userName, NEW_PASSWORD)).body.tokenId as string;
    expect(await validate(again)).toMatchObject({ valid: true });
  });

  it('mails the user that the password changed', async () => {
    const userName = uniqueName('changed');
    await register(userName);

    await resetPassword(`${userName}@example.com`);
    const mails = await mailsTo(`${userName}@example.com`, 'Your password was changed');

    const changed = mails.filter((m) => m.subject === 'Your password was changed');
    expect(changed).toHaveLength(1);
    expect(changed[0]?.text).toContain(`Hello ${userName},`);
  });
});

describe('a lock', () => {
  it("mails the account's owner the way to reset, once", async () => {
    const userName = uniqueName('locked');
    await register(userName);

    const replies = [];
    for (let i = 0; i < 3; i++) replies.push((await login(userName, 'wrong-password')).status);
    const mails = await mailsTo(`${userName}@example.com`, 'Your account was locked');
    // Refused while locked: no further lock, no further mail.
    const whileLocked = await login(userName, PASSWORD);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const afterwards = (await outbox()).filter(
      (m) => m.to === `${userName}@example.com` && m.subject === 'Your account was locked',
    );

    expect(replies).toEqual([200, 200, 401]);
    const locked = mails.filter((m) => m.subject === 'Your account was locked');
    expect(locked).toHaveLength(1);
    expect(locked[0]?.text).toMatch(/https?:\/\/\S+\/#\/service\/ResetPassword/);
    expect(whileLocked.status).toBe(401);
    expect(afterwards).toHaveLength(1);
  });

  it('answers an unknown name exactly as a known one, and mails nobody', async () => {
    const known = uniqueName('locked');
    const unknown = uniqueName('nobody');
    await register(known);

    const shape = async (userName: string) => {
      const replies = [];
      for (let i = 0; i < 3; i++) {
        const reply = await login(userName, 'wrong-password');
        // The retry step echoes the name entered: compared without it.
        const body = JSON.stringify({ ...reply.body, authId: undefined }).replaceAll(userName, 'NAME');
        replies.push({ status: reply.status, body });
      }
      return replies;
    };
    const forKnown = await shape(known);
    const forUnknown = await shape(unknown);
    await mailsTo(`${known}@example.com`, 'Your account was locked');
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(forUnknown).toEqual(forKnown);
    expect((await outbox()).filter((m) => m.to.includes(unknown) || m.text.includes(unknown))).toEqual([]);
  });
});

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
import { AttemptRepository, accountKey } from '../../functions/store/attempts.js';
import { passwordHasher } from '../../functions/store/password-hasher.js';
import { UserRepository } from '../../functions/store/users.js';
import { baseUrl, login, PASSWORD, register, securityAnswer, uniqueName } from './am-client.js';
import { testStore } from './test-store.js';

/**
 * ResetPassword (AIC's template) through the unmodified ForgeRock SDK: the address, an email with a single-use
 * link, `FRAuth.resume(link)`, security questions when the user has answers, a new password.
 */
type OutboxEntry = { to: string; subject?: string; text: string };
const NEW_PASSWORD = 'Another-Passw0rd!';

const outbox = async (): Promise<OutboxEntry[]> =>
  (await (await fetch(`${baseUrl()}/outbox`)).json()) as OutboxEntry[];

/** The link mailed to `to` (the mail is sent in the background: waits a little for it). */
async function mailedLink(to: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const mail = (await outbox()).find((m) => m.to === to);
    const link = mail ? /https?:\/\/\S+suspendedId=\S+/.exec(mail.text)?.[0] : undefined;
    if (link) return link;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no link mailed to ${to}`);
}

/** Starts ResetPassword and submits `mail`: the suspended step. */
async function askForReset(mail: string): Promise<FRStep> {
  const first = (await FRAuth.next(undefined, { tree: 'ResetPassword' })) as FRStep;
  first
    .getCallbackOfType<AttributeInputCallback<string>>(CallbackType.StringAttributeInputCallback)
    .setValue(mail);
  return (await FRAuth.next(first, { tree: 'ResetPassword' })) as FRStep;
}

describe('ResetPassword', () => {
  beforeAll(() => {
    Config.set({ serverConfig: { baseUrl: `${baseUrl()}/`, timeout: 10_000 }, realmPath: 'alpha' });
  });

  it('mails a link; FRAuth.resume(link) continues to a new password, which then signs in', async () => {
    const userName = uniqueName('reset');
    await register(userName);

    const suspended = await askForReset(`${userName}@example.com`);
    const link = await mailedLink(`${userName}@example.com`);
    // One of the two security questions defined at registration, drawn at random.
    const questions = (await FRAuth.resume(link)) as FRStep;
    const question = questions.getCallbackOfType<PasswordCallback>(CallbackType.PasswordCallback);
    question.setPassword(securityAnswer(question.getPrompt()));
    const resumed = (await FRAuth.next(questions, { tree: 'ResetPassword' })) as FRStep;
    resumed
      .getCallbackOfType<ValidatedCreatePasswordCallback>(CallbackType.ValidatedCreatePasswordCallback)
      .setPassword(NEW_PASSWORD);
    const done = await FRAuth.next(resumed, { tree: 'ResetPassword' });

    expect(questions.getCallbacksOfType(CallbackType.PasswordCallback)).toHaveLength(1);
    expect(suspended.type).toBe(StepType.Step);
    expect(suspended.getCallbacksOfType(CallbackType.SuspendedTextOutputCallback)).toHaveLength(1);
    expect(new URL(link).searchParams.get('authIndexValue')).toBe('ResetPassword');
    expect(done.type).toBe(StepType.LoginSuccess);
    expect((await login(userName, NEW_PASSWORD)).body.tokenId).toEqual(expect.any(String));
    expect((await login(userName, PASSWORD)).body.tokenId).toBeUndefined();
    // The link worked once.
    expect((await FRAuth.resume(link)).type).toBe(StepType.LoginFailure);
  });

  it('lets a user without security answers (registered before KBA) through on the link alone', async () => {
    const userName = uniqueName('reset');
    await register(userName);
    const users = new UserRepository(testStore());
    const user = await users.findByUserName('alpha', userName);
    await users.setKba(user?.id as string, []);

    await askForReset(`${userName}@example.com`);
    const resumed = (await FRAuth.resume(await mailedLink(`${userName}@example.com`))) as FRStep;

    expect(resumed.getCallbacksOfType(CallbackType.PasswordCallback)).toHaveLength(0);
    expect(resumed.getCallbacksOfType(CallbackType.ValidatedCreatePasswordCallback)).toHaveLength(1);
  });

  it('answers an unknown address exactly as a known one, and mails nobody', async () => {
    const userName = uniqueName('reset');
    await register(userName);
    const nobody = `${uniqueName('nobody')}@example.com`;

    const known = await askForReset(`${userName}@example.com`);
    const unknown = await askForReset(nobody);

    const shape = (step: FRStep) => ({ ...step.payload, authId: undefined });
    expect(shape(unknown)).toEqual(shape(known));
    await mailedLink(`${userName}@example.com`);
    expect((await outbox()).some((m) => m.to === nobody)).toBe(false);
  });

  it('asks the security questions of a user who defined answers, and counts a wrong one', async () => {
    const userName = uniqueName('kba');
    await register(userName);
    const store = testStore();
    const users = new UserRepository(store);
    const user = await users.findByUserName('alpha', userName);
    await users.setKba(user?.id as string, [
      { questionId: '1', answerHash: await passwordHasher.hash('blue') },
    ]);

    await askForReset(`${userName}@example.com`);
    const questions = (await FRAuth.resume(await mailedLink(`${userName}@example.com`))) as FRStep;
    const answer = questions.getCallbackOfType<PasswordCallback>(CallbackType.PasswordCallback);
    const prompt = answer.getPrompt();
    answer.setPassword('green');
    const again = (await FRAuth.next(questions, { tree: 'ResetPassword' })) as FRStep;
    const counted = await new AttemptRepository(store).get(accountKey('alpha', userName));
    again.getCallbackOfType<PasswordCallback>(CallbackType.PasswordCallback).setPassword('  Blue ');
    const password = (await FRAuth.next(again, { tree: 'ResetPassword' })) as FRStep;

    expect(prompt).toBe("What's your favorite color?");
    expect(again.getCallbacksOfType(CallbackType.TextOutputCallback).length).toBeGreaterThan(0);
    // The wrong answer counted toward the account's lockout, as a wrong password does; the right one cleared it.
    expect(counted.counts.RetryLimitDecision).toBe(1);
    expect(
      (await new AttemptRepository(store).get(accountKey('alpha', userName))).counts.RetryLimitDecision ?? 0,
    ).toBe(0);
    expect(password.getCallbacksOfType(CallbackType.ValidatedCreatePasswordCallback)).toHaveLength(1);
  });
});

import {
  type AttributeInputCallback,
  CallbackType,
  Config,
  FRAuth,
  type FRLoginSuccess,
  type FRStep,
  type KbaCreateCallback,
  StepType,
  type TermsAndConditionsCallback,
  type ValidatedCreatePasswordCallback,
} from '@forgerock/javascript-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserRepository } from '../../functions/store/users.js';
import { baseUrl, PASSWORD, uniqueName } from './am-client.js';
import { testStore } from './test-store.js';

/** The unmodified ForgeRock JavaScript SDK, in Node, against the embedded runtime. */
describe('ForgeRock JavaScript SDK', () => {
  beforeAll(() => {
    Config.set({ serverConfig: { baseUrl: `${baseUrl()}/`, timeout: 10_000 }, realmPath: 'alpha' });
  });

  it('completes Registration, then Login, and receives a session token each time', async () => {
    const userName = uniqueName('sdk');

    let step = await FRAuth.next(undefined, { tree: 'Registration' });
    expect(step.type).toBe(StepType.Step);
    const registration = step as FRStep;
    registration.getCallbackOfType(CallbackType.ValidatedCreateUsernameCallback).setInputValue(userName);
    const values: Record<string, string | boolean> = {
      givenName: 'Grace',
      sn: 'Hopper',
      mail: `${userName}@example.com`,
      'preferences/marketing': false,
      'preferences/updates': true,
    };
    for (const type of [
      CallbackType.StringAttributeInputCallback,
      CallbackType.BooleanAttributeInputCallback,
    ]) {
      for (const callback of registration.getCallbacksOfType<AttributeInputCallback<string | boolean>>(
        type,
      )) {
        callback.setValue(values[callback.getName()] as string & boolean);
      }
    }
    registration.getCallbackOfType(CallbackType.ValidatedCreatePasswordCallback).setInputValue(PASSWORD);
    // Security questions: a predefined one and one of the user's own, through the SDK's KbaCreateCallback.
    const kba = registration.getCallbacksOfType<KbaCreateCallback>(CallbackType.KbaCreateCallback);
    const predefined = kba[0]?.getPredefinedQuestions() ?? [];
    kba[0]?.setQuestion(predefined[1] ?? '');
    kba[0]?.setAnswer('Analytical Engines Ltd');
    kba[1]?.setQuestion('First computer I programmed?');
    kba[1]?.setAnswer('Mark I');
    const terms = registration.getCallbackOfType<TermsAndConditionsCallback>(
      CallbackType.TermsAndConditionsCallback,
    );
    const shown = { version: terms.getVersion(), terms: terms.getTerms(), date: terms.getCreateDate() };
    terms.setAccepted();
    step = await FRAuth.next(registration, { tree: 'Registration' });

    expect(kba).toHaveLength(2);
    expect(kba[0]?.getPrompt()).toBe('Select a security question');
    expect(predefined).toEqual(["What's your favorite color?", 'Who was your first employer?']);
    expect(kba[0]?.isAllowedUserDefinedQuestions()).toBe(true);
    expect(shown.version).toMatch(/^\d+\.\d+$/);
    expect(shown.terms).toContain('Terms');
    expect(shown.date.getTime()).not.toBeNaN();
    const users = new UserRepository(testStore());
    const user = await users.findByUserName('alpha', userName);
    expect(user?.kbaInfo?.map(({ answerHash: _, ...question }) => question)).toEqual([
      { questionId: '2' },
      { customQuestion: 'First computer I programmed?' },
    ]);
    expect(user?.termsAccepted?.termsVersion).toBe(shown.version);
    expect(step.type).toBe(StepType.LoginSuccess);

    let login = await FRAuth.next(undefined, { tree: 'Login' });
    expect(login.type).toBe(StepType.Step);
    (login as FRStep).getCallbackOfType(CallbackType.ValidatedCreateUsernameCallback).setInputValue(userName);
    (login as FRStep).getCallbackOfType(CallbackType.ValidatedCreatePasswordCallback).setInputValue(PASSWORD);
    login = await FRAuth.next(login as FRStep, { tree: 'Login' });

    expect(login.type).toBe(StepType.LoginSuccess);
    expect((login as FRLoginSuccess).getSessionToken()).toEqual(expect.any(String));
  });

  it('reads failed policies and a login failure the way AM reports them', async () => {
    const step = (await FRAuth.next(undefined, { tree: 'Registration' })) as FRStep;
    step.getCallbackOfType(CallbackType.ValidatedCreateUsernameCallback).setInputValue(uniqueName('sdk'));
    step.getCallbackOfType(CallbackType.ValidatedCreatePasswordCallback).setInputValue('short');

    const again = (await FRAuth.next(step, { tree: 'Registration' })) as FRStep;
    const password = again.getCallbackOfType<ValidatedCreatePasswordCallback>(
      CallbackType.ValidatedCreatePasswordCallback,
    );

    expect(again.type).toBe(StepType.Step);
    expect(
      password.getFailedPolicies().map((p: { policyRequirement: string }) => p.policyRequirement),
    ).toContain('MIN_LENGTH');
  });
});

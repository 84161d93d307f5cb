import {
  type AttributeInputCallback,
  CallbackType,
  Config,
  FRAuth,
  type FRLoginSuccess,
  type FRStep,
  StepType,
  type ValidatedCreatePasswordCallback,
} from '@forgerock/javascript-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { baseUrl, PASSWORD, uniqueName } from './am-client.js';

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
    step = await FRAuth.next(registration, { tree: 'Registration' });
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

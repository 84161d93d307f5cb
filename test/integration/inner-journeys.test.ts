import {
  type AttributeInputCallback,
  CallbackType,
  Config,
  FRAuth,
  type FRLoginSuccess,
  type FRStep,
  StepType,
} from '@forgerock/javascript-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { passwordHasher } from '../../functions/store/password-hasher.js';
import { TransactionRepository } from '../../functions/store/transactions.js';
import { UserRepository } from '../../functions/store/users.js';
import { baseUrl, login, PASSWORD, uniqueName } from './am-client.js';
import { completeProfile } from './complete-users.js';
import { testStore } from './test-store.js';

/**
 * Inner journeys (AM's Inner Tree Evaluator, ADR 22): Login runs ProgressiveProfile with the same shared state;
 * at the 3rd sign-in a user without marketing preferences is asked for them — a step of the inner journey that
 * reaches the client and resumes inside it — then Login ends in success. Through the unmodified SDK.
 */
const store = () => testStore();

async function userWithoutPreferences(): Promise<string> {
  const userName = uniqueName('inner');
  const { preferences: _, ...answersAndTerms } = await completeProfile();
  await new UserRepository(store()).create(
    'alpha',
    { userName, givenName: 'Ada', sn: 'Lovelace', mail: `${userName}@example.com`, ...answersAndTerms },
    await passwordHasher.hash(PASSWORD),
  );
  return userName;
}

async function signInWithSdk(userName: string): Promise<FRStep | FRLoginSuccess> {
  const step = (await FRAuth.next(undefined, { tree: 'Login' })) as FRStep;
  step.getCallbackOfType(CallbackType.ValidatedCreateUsernameCallback).setInputValue(userName);
  step.getCallbackOfType(CallbackType.ValidatedCreatePasswordCallback).setInputValue(PASSWORD);
  return (await FRAuth.next(step, { tree: 'Login' })) as FRStep | FRLoginSuccess;
}

describe('Login runs ProgressiveProfile as an inner journey', () => {
  beforeAll(() => {
    Config.set({ serverConfig: { baseUrl: `${baseUrl()}/`, timeout: 10_000 }, realmPath: 'alpha' });
  });

  it('asks for the preferences at the 3rd sign-in, inside the inner journey, then signs the user in', async () => {
    const userName = await userWithoutPreferences();
    const first = await signInWithSdk(userName);
    const second = await signInWithSdk(userName);

    const third = (await signInWithSdk(userName)) as FRStep;
    const tx = await new TransactionRepository(store()).get(third.payload.authId?.split('.')[0] ?? '');
    for (const callback of third.getCallbacksOfType<AttributeInputCallback<boolean>>(
      CallbackType.BooleanAttributeInputCallback,
    )) {
      callback.setValue(callback.getName() === 'preferences/updates');
    }
    const done = await FRAuth.next(third, { tree: 'Login' });
    const user = await new UserRepository(store()).findByUserName('alpha', userName);

    expect(first.type).toBe(StepType.LoginSuccess);
    expect(second.type).toBe(StepType.LoginSuccess);
    expect(third.type).toBe(StepType.Step);
    expect(third.getHeader()).toBe('Your preferences');
    // The step belongs to the inner journey; Login waits for its result at its Inner Tree Evaluator.
    expect(tx?.journey).toBe('Login');
    expect(tx?.pending?.journey).toBe('ProgressiveProfile');
    expect(tx?.frames).toEqual([{ journey: 'Login', node: 'ProgressiveProfile' }]);
    expect(done.type).toBe(StepType.LoginSuccess);
    expect(user?.preferences).toEqual({ updates: true, marketing: false });
    expect(user?.loginCount).toBe(3);
  });

  it('passes through without a step when the preferences are set', async () => {
    const userName = await userWithoutPreferences();
    const users = new UserRepository(store());
    const user = await users.findByUserName('alpha', userName);
    await users.patch(user?.id as string, { set: { preferences: { updates: false, marketing: false } } });

    const replies = [];
    for (let i = 0; i < 3; i++) replies.push(await login(userName, PASSWORD));

    expect(replies.map((r) => typeof r.body.tokenId)).toEqual(['string', 'string', 'string']);
  });
});

import { describe, expect, it } from 'vitest';
import {
  fill,
  login,
  output,
  PASSWORD,
  register,
  registrationValues,
  type Step,
  start,
  submit,
  uniqueName,
} from './am-client.js';

const failedPolicies = (step: Step, index: number): unknown[] =>
  (output(step.callbacks[index]!, 'failedPolicies') as string[]).map((p) => JSON.parse(p));

describe('Registration journey', () => {
  it("renders AM's Sign Up page with policies", async () => {
    const step = await start('Registration');

    expect(step.header).toBe('Sign Up');
    expect(step.callbacks.map((c) => c.type)).toEqual([
      'ValidatedCreateUsernameCallback',
      'StringAttributeInputCallback',
      'StringAttributeInputCallback',
      'StringAttributeInputCallback',
      'BooleanAttributeInputCallback',
      'BooleanAttributeInputCallback',
      'ValidatedCreatePasswordCallback',
    ]);
    expect(step.callbacks.map((c) => output(c, 'name')).slice(1, 6)).toEqual([
      'givenName',
      'sn',
      'mail',
      'preferences/marketing',
      'preferences/updates',
    ]);
    const passwordPolicies = output(step.callbacks[6]!, 'policies') as { policyRequirements: string[] };
    expect(passwordPolicies.policyRequirements).toEqual([
      'REQUIRED',
      'MIN_LENGTH',
      'MAX_LENGTH',
      'VALID_TYPE',
      'AT_LEAST_X_CAPITAL_LETTERS',
      'AT_LEAST_X_NUMBERS',
      'CANNOT_CONTAIN_OTHERS',
    ]);
    expect(step.callbacks[6]!.input.map((i) => i.name)).toEqual(['IDToken7', 'IDToken7validateOnly']);
  });

  it('creates the user and signs them in; they can then log in', async () => {
    const userName = uniqueName();

    const token = await register(userName);
    const reply = await login(userName, PASSWORD);

    expect(token).toEqual(expect.any(String));
    expect(reply.status).toBe(200);
    expect(reply.body.tokenId).toEqual(expect.any(String));
  });

  it('re-renders with the failed password policies, keeping everything typed but the password', async () => {
    const userName = uniqueName().replace(/\d/g, 'q');
    const step = await start('Registration');

    const reply = await submit<Step>(
      'Registration',
      fill(step, registrationValues(userName, { Password: `x${userName}` })),
    );

    expect(reply.status).toBe(200);
    const again = reply.body;
    expect(again.callbacks[0]!.input[0]!.value).toBe(userName);
    expect(output(again.callbacks[1]!, 'value')).toBe('Ada');
    expect(again.callbacks[3]!.input[0]!.value).toBe(`${userName}@example.com`);
    expect(again.callbacks[4]!.input[0]!.value).toBe(true);
    expect(again.callbacks[6]!.input[0]!.value).toBe('');
    expect(failedPolicies(again, 6)).toEqual([
      { policyRequirement: 'AT_LEAST_X_CAPITAL_LETTERS', params: { numCaps: 1 } },
      { policyRequirement: 'AT_LEAST_X_NUMBERS', params: { numNums: 1 } },
      { policyRequirement: 'CANNOT_CONTAIN_OTHERS', params: { disallowedFields: 'userName' } },
    ]);
    expect(failedPolicies(again, 0)).toEqual([]);
  });

  it("reports a short password and a malformed email in AM's failedPolicies shape", async () => {
    const step = await start('Registration');

    const reply = await submit<Step>(
      'Registration',
      fill(step, registrationValues(uniqueName(), { Password: 'Ab1', mail: 'not-an-email' })),
    );

    expect(failedPolicies(reply.body, 3)).toEqual([{ policyRequirement: 'VALID_EMAIL_ADDRESS_FORMAT' }]);
    expect(failedPolicies(reply.body, 6)).toEqual([
      { policyRequirement: 'MIN_LENGTH', params: { minLength: 8 } },
    ]);
  });

  it('re-renders with UNIQUE when the username is taken', async () => {
    const userName = uniqueName();
    await register(userName);
    const step = await start('Registration');

    const reply = await submit<Step>(
      'Registration',
      fill(step, registrationValues(userName.toUpperCase(), { mail: `other-${userName}@example.com` })),
    );

    expect(reply.status).toBe(200);
    expect(failedPolicies(reply.body, 0)).toEqual([{ policyRequirement: 'UNIQUE' }]);
    expect(output(reply.body.callbacks[2]!, 'value')).toBe('Lovelace');
  });

  it('re-renders with UNIQUE when the email is taken by another user', async () => {
    const first = uniqueName();
    await register(first);
    const step = await start('Registration');

    const reply = await submit<Step>(
      'Registration',
      fill(step, registrationValues(uniqueName(), { mail: `${first}@example.com` })),
    );

    expect(failedPolicies(reply.body, 3)).toEqual([{ policyRequirement: 'UNIQUE' }]);
  });

  it('validates without proceeding when the client asks for validateOnly', async () => {
    const userName = uniqueName();
    const step = fill(await start('Registration'), registrationValues(userName));
    step.callbacks[0]!.input[1]!.value = true;

    const reply = await submit<Step>('Registration', step);

    expect(reply.status).toBe(200);
    expect(reply.body.callbacks).toHaveLength(7);
    expect(failedPolicies(reply.body, 0)).toEqual([]);
    // Nothing was created: the name is still free.
    await expect(register(userName)).resolves.toEqual(expect.any(String));
  });

  it('lets exactly one of two concurrent registrations take a username', async () => {
    const userName = uniqueName();
    const [a, b] = await Promise.all([start('Registration'), start('Registration')]);

    const replies = await Promise.all([
      submit<Step & { tokenId?: string }>(
        'Registration',
        fill(a, registrationValues(userName, { mail: `a-${userName}@example.com` })),
      ),
      submit<Step & { tokenId?: string }>(
        'Registration',
        fill(b, registrationValues(userName, { mail: `b-${userName}@example.com` })),
      ),
    ]);

    expect(replies.filter((r) => r.body.tokenId).length).toBe(1);
    const loser = replies.find((r) => !r.body.tokenId)!;
    expect(failedPolicies(loser.body, 0)).toEqual([{ policyRequirement: 'UNIQUE' }]);
  });
});

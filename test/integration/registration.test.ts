import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GetCommand } from '../../functions/aws/dynamodb.js';
import type { Store } from '../../functions/store/dynamo.js';
import { passwordHasher } from '../../functions/store/password-hasher.js';
import { UserRepository } from '../../functions/store/users.js';
import {
  fill,
  login,
  output,
  PASSWORD,
  register,
  registrationValues,
  SECURITY_ANSWERS,
  type Step,
  start,
  submit,
  uniqueName,
} from './am-client.js';
import { testStore } from './test-store.js';

const failedPolicies = (step: Step, index: number): unknown[] =>
  (output(step.callbacks[index]!, 'failedPolicies') as string[]).map((p) => JSON.parse(p));

/** The latest published terms version: the active one, as the local runtime sets no TERMS_VERSION. */
const terms = JSON.parse(readFileSync(new URL('../../terms/versions.json', import.meta.url), 'utf8')) as {
  versions: Record<string, { createDate: string }>;
};
const latestTerms = Object.entries(terms.versions)
  .sort(([, a], [, b]) => a.createDate.localeCompare(b.createDate))
  .at(-1)?.[0];

describe('Registration journey', () => {
  const store: Store = testStore();
  const users = new UserRepository(store);

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
      'KbaCreateCallback',
      'KbaCreateCallback',
      'TermsAndConditionsCallback',
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
    // AIC's template: security questions (two to define, an own question allowed), then the terms, last.
    expect(step.callbacks[7]!.output).toEqual([
      { name: 'prompt', value: 'Select a security question' },
      { name: 'predefinedQuestions', value: ["What's your favorite color?", 'Who was your first employer?'] },
      { name: 'allowUserDefinedQuestions', value: true },
    ]);
    expect(step.callbacks[8]!.input.map((i) => i.name)).toEqual(['IDToken9question', 'IDToken9answer']);
    expect(output(step.callbacks[9]!, 'version')).toBe(latestTerms);
    expect(output(step.callbacks[9]!, 'terms')).toEqual(expect.stringContaining('Terms'));
    expect(step.callbacks[9]!.input).toEqual([{ name: 'IDToken10', value: false }]);
  });

  it('stores the security answers hashed and the accepted terms version on the new user', async () => {
    const userName = uniqueName();
    const before = Date.now();

    await register(userName);
    const user = await users.findByUserName('alpha', userName);
    const item = (
      await store.doc.send(new GetCommand({ TableName: store.tables.Users, Key: { id: user!.id } }))
    ).Item;

    expect(user?.termsAccepted?.termsVersion).toBe(latestTerms);
    expect(Date.parse(user?.termsAccepted?.acceptDate ?? '')).toBeGreaterThanOrEqual(before - 1000);
    expect(user?.kbaInfo).toEqual([
      { questionId: '1', answerHash: expect.stringMatching(/^\$argon2id\$/) },
      { customQuestion: 'Name of my first cat?', answerHash: expect.stringMatching(/^\$argon2id\$/) },
    ]);
    // Normalized, then hashed like a password: nothing of the answers in clear on the item.
    expect(await passwordHasher.verify('blue', user!.kbaInfo![0]!.answerHash)).toBe(true);
    expect(await passwordHasher.verify('mistigri', user!.kbaInfo![1]!.answerHash)).toBe(true);
    expect(JSON.stringify(item)).not.toMatch(/Blue|Mistigri/i);
  });

  it('shows the page again, creating nobody, until the terms are accepted', async () => {
    const userName = uniqueName();
    const step = await start('Registration');

    const reply = await submit<Step>(
      'Registration',
      fill(step, registrationValues(userName, { acceptTerms: false })),
    );
    const accepted = await submit<Step & { tokenId?: string }>(
      'Registration',
      fill(reply.body, registrationValues(userName)),
    );

    expect(reply.status).toBe(200);
    expect(reply.body.callbacks.map((c) => c.type)).toContain('TermsAndConditionsCallback');
    expect(accepted.body.tokenId).toEqual(expect.any(String));
  });

  it('shows the page again with a message when a security answer is missing or a question is chosen twice', async () => {
    const step = await start('Registration');
    const [first] = SECURITY_ANSWERS;

    const missing = await submit<Step>(
      'Registration',
      fill(step, registrationValues(uniqueName(), { securityQuestions: [first, { ...first!, answer: '' }] })),
    );
    const twice = await submit<Step>(
      'Registration',
      fill(
        missing.body,
        registrationValues(uniqueName(), { securityQuestions: [first, { ...first!, answer: 'Red' }] }),
      ),
    );

    const message = (reply: Step) => output(reply.callbacks[0]!, 'message');
    expect(missing.body.callbacks[0]!.type).toBe('TextOutputCallback');
    expect(message(missing.body)).toBe('Choose a question and give an answer for each security question.');
    expect(message(twice.body)).toBe('Choose a different question for each answer.');
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
    expect(again.callbacks[4]!.input[0]!.value).toBe(false);
    expect(again.callbacks[5]!.input[0]!.value).toBe(true);
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
    expect(reply.body.callbacks).toHaveLength(10);
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

import {
  CallbackType,
  Config,
  FRAuth,
  type FRLoginSuccess,
  type FRStep,
  type KbaCreateCallback,
  StepType,
} from '@forgerock/javascript-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { UpdateCommand } from '../../functions/aws/dynamodb.js';
import { systemClock } from '../../functions/contract/clock.js';
import type { UserProfile } from '../../functions/contract/data.js';
import { NODE_FAMILIES } from '../../functions/contract/families.js';
import type { JourneyContext, NodeInvocation } from '../../functions/contract/journey.js';
import type { NodeServices, TermsSource } from '../../functions/contract/nodes.js';
import { EmbeddedEngine } from '../../functions/engine/embedded.js';
import { JourneyService, type StepResponse } from '../../functions/engine/journeys.js';
import { NODE_LOOKUP } from '../../functions/nodes/registry.js';
import { runNode } from '../../functions/nodes/run.js';
import { termsFromEnv } from '../../functions/shared/terms.js';
import { AttemptRepository } from '../../functions/store/attempts.js';
import type { Store } from '../../functions/store/dynamo.js';
import { passwordHasher } from '../../functions/store/password-hasher.js';
import { SessionRepository } from '../../functions/store/sessions.js';
import { ThrottleRepository, throttlePolicyFromEnv } from '../../functions/store/throttle.js';
import { TransactionRepository } from '../../functions/store/transactions.js';
import { UserRepository } from '../../functions/store/users.js';
import {
  type AmReply,
  baseUrl,
  fill,
  login,
  output,
  PASSWORD,
  type Step,
  submit,
  uniqueName,
} from './am-client.js';
import { completeProfile } from './complete-users.js';
import { testStore } from './test-store.js';

/**
 * ProgressiveProfile, run by Login as an inner journey: every decision node of the shipped journey, both
 * outcomes, through a sign-in. Users are created in the store with what each case needs (`completeProfile()`
 * minus what is tested), their login count and creation date set in the table where a case depends on them.
 */
const store = (): Store => testStore();
const users = () => new UserRepository(store());

interface Setup {
  /** Attributes left out of `completeProfile()`. */
  without?: Array<'kbaInfo' | 'termsAccepted' | 'preferences'>;
  profile?: Partial<UserProfile>;
  /** The login count before this sign-in (the sign-in adds one). */
  loginCount?: number;
  /** How long ago the account was created. */
  createdDaysAgo?: number;
}

async function user(setup: Setup = {}): Promise<{ userName: string; id: string }> {
  const userName = uniqueName('progressive');
  const complete: Partial<UserProfile> = await completeProfile();
  for (const key of setup.without ?? []) delete complete[key];
  const created = await users().create(
    'alpha',
    { userName, mail: `${userName}@example.com`, ...complete, ...setup.profile },
    await passwordHasher.hash(PASSWORD),
  );
  if (setup.loginCount !== undefined || setup.createdDaysAgo !== undefined) {
    const createdAt = new Date(Date.now() - (setup.createdDaysAgo ?? 0) * 86_400_000).toISOString();
    await store().doc.send(
      new UpdateCommand({
        TableName: store().tables.Users,
        Key: { id: created.id },
        UpdateExpression: 'SET loginCount = :count, createdAt = :created',
        ExpressionAttributeValues: { ':count': setup.loginCount ?? 0, ':created': createdAt },
      }),
    );
  }
  return { userName, id: created.id };
}

/** Signs in over HTTP: the session (`tokenId`) or the first step ProgressiveProfile asks. */
async function signIn(userName: string): Promise<AmReply> {
  const reply = await login(userName, PASSWORD);
  expect(reply.status).toBe(200);
  return reply.body;
}

const types = (step: AmReply): string[] => step.callbacks.map((c) => c.type);

describe('ProgressiveProfile: terms and conditions (Terms and Conditions Decision)', () => {
  it('asks the user who accepted an older version to accept the active one, then signs them in', async () => {
    const { userName, id } = await user({
      profile: { termsAccepted: { termsVersion: '1.0', acceptDate: '2025-02-01T00:00:00.000Z' } },
    });

    const step = await signIn(userName);
    const terms = step.callbacks.find((c) => c.type === 'TermsAndConditionsCallback');
    const refused = (await submit<AmReply>('Login', fill(step, { acceptTerms: false }))).body;
    const accepted = (await submit<AmReply>('Login', fill(refused, { acceptTerms: true }))).body;
    const next = await signIn(userName);

    expect(step.header).toBe('Updated terms and conditions');
    expect(terms && output(terms, 'version')).toBe(termsFromEnv(process.env).activeVersion());
    expect(types(refused)).toEqual(['TermsAndConditionsCallback']);
    expect(accepted.tokenId).toEqual(expect.any(String));
    expect((await users().get(id))?.termsAccepted?.termsVersion).toBe(
      termsFromEnv(process.env).activeVersion(),
    );
    expect(next.tokenId).toEqual(expect.any(String));
  });

  it('asks again once a new version is activated (TERMS_VERSION), not before', async () => {
    const { userName } = await user({
      profile: { termsAccepted: { termsVersion: '1.0', acceptDate: '2025-02-01T00:00:00.000Z' } },
    });
    const under10 = harness(termsFromEnv({ TERMS_VERSION: '1.0' }));
    const under11 = harness(termsFromEnv({ TERMS_VERSION: '1.1' }));

    const before = await under10.signIn(userName);
    const after = await under11.signIn(userName);

    expect(before.type).toBe('success');
    expect(after.type).toBe('step');
    const callback = after.type === 'step' ? after.callbacks[0] : undefined;
    expect(callback?.type).toBe('TermsAndConditionsCallback');
    expect(callback && output(callback, 'version')).toBe('1.1');
  });
});

describe('ProgressiveProfile: security questions (KBA Decision)', () => {
  beforeAll(() => {
    Config.set({ serverConfig: { baseUrl: `${baseUrl()}/`, timeout: 10_000 }, realmPath: 'alpha' });
  });

  it('asks a user without answers (registered before KBA) to define them, with the SDK, then signs them in', async () => {
    const { userName, id } = await user({ without: ['kbaInfo'] });

    const credentials = (await FRAuth.next(undefined, { tree: 'Login' })) as FRStep;
    credentials.getCallbackOfType(CallbackType.ValidatedCreateUsernameCallback).setInputValue(userName);
    credentials.getCallbackOfType(CallbackType.ValidatedCreatePasswordCallback).setInputValue(PASSWORD);
    const asked = (await FRAuth.next(credentials, { tree: 'Login' })) as FRStep;
    const kba = asked.getCallbacksOfType<KbaCreateCallback>(CallbackType.KbaCreateCallback);
    const predefined = kba[0]?.getPredefinedQuestions() ?? [];
    kba[0]?.setQuestion(predefined[0] ?? '');
    kba[0]?.setAnswer('Teal');
    kba[1]?.setQuestion('Street I grew up in?');
    kba[1]?.setAnswer('Baker Street');
    const done = (await FRAuth.next(asked, { tree: 'Login' })) as FRLoginSuccess;
    const stored = (await users().get(id))?.kbaInfo ?? [];
    const again = await signIn(userName);

    expect(asked.type).toBe(StepType.Step);
    expect(asked.getHeader()).toBe('Security questions');
    expect(kba).toHaveLength(2);
    expect(done.type).toBe(StepType.LoginSuccess);
    expect(done.getSessionToken()).toEqual(expect.any(String));
    expect(stored.map(({ answerHash: _, ...question }) => question)).toEqual([
      { questionId: '1' },
      { customQuestion: 'Street I grew up in?' },
    ]);
    expect(stored.every((a) => a.answerHash.startsWith('$argon2id$'))).toBe(true);
    expect(JSON.stringify(stored)).not.toMatch(/teal|baker/i);
    expect(again.tokenId).toEqual(expect.any(String));
  });

  it('lets a user with answers through without a step', async () => {
    const { userName } = await user();

    expect((await signIn(userName)).tokenId).toEqual(expect.any(String));
  });
});

describe('ProgressiveProfile: preferences every 3rd sign-in (Login Count Decision EVERY, Query Filter Decision)', () => {
  it('asks a user still without preferences at the 6th sign-in, and not at the 5th', async () => {
    const fifth = await user({ without: ['preferences'], loginCount: 4 });
    const sixth = await user({ without: ['preferences'], loginCount: 5 });

    const notDue = await signIn(fifth.userName);
    const due = await signIn(sixth.userName);
    const done = (
      await submit<AmReply>(
        'Login',
        fill(due, { 'preferences/updates': true, 'preferences/marketing': false }),
      )
    ).body;

    expect(notDue.tokenId).toEqual(expect.any(String));
    expect(due.header).toBe('Your preferences');
    expect(done.tokenId).toEqual(expect.any(String));
    expect((await users().get(sixth.id))?.preferences).toEqual({ updates: true, marketing: false });
  });
});

describe('ProgressiveProfile: consent of marketing opt-ins (Attribute Value Decision, Query Filter Decision)', () => {
  const marketing = { preferences: { updates: false, marketing: true } };

  it('asks a user who opted in to marketing for consents at the 3rd sign-in, once', async () => {
    const { userName, id } = await user({ profile: marketing, loginCount: 2 });

    const step = await signIn(userName);
    const consent = step.callbacks.find((c) => c.type === 'ConsentMappingCallback');
    const done = (await submit<AmReply>('Login', fill(step, { managedUser_marketing: true }))).body;
    await store().doc.send(
      new UpdateCommand({
        TableName: store().tables.Users,
        Key: { id },
        UpdateExpression: 'SET loginCount = :count',
        ExpressionAttributeValues: { ':count': 5 },
      }),
    );
    const sixth = await signIn(userName);

    expect(step.header).toBe('Sharing your data');
    expect(consent && output(consent, 'name')).toBe('managedUser_marketing');
    expect(done.tokenId).toEqual(expect.any(String));
    expect((await users().get(id))?.consentedMappings).toEqual([
      { mapping: 'managedUser_marketing', consentDate: expect.any(String) },
    ]);
    expect(sixth.tokenId).toEqual(expect.any(String));
  });

  it('asks no consent of a user who did not opt in', async () => {
    const { userName } = await user({ loginCount: 2 });

    expect((await signIn(userName)).tokenId).toEqual(expect.any(String));
  });
});

describe('ProgressiveProfile: the profile at the 10th sign-in (Login Count Decision AT, Time Since, Attribute Present, Profile Completeness)', () => {
  const complete = { givenName: 'Ada', sn: 'Lovelace', telephoneNumber: '+447700900123' };

  it('asks an account older than 30 days without a telephone number to complete the profile', async () => {
    const { userName, id } = await user({
      profile: { givenName: 'Ada', sn: 'Lovelace' },
      loginCount: 9,
      createdDaysAgo: 40,
    });

    const step = await signIn(userName);
    const done = (
      await submit<AmReply>(
        'Login',
        fill(step, { givenName: 'Ada', sn: 'Lovelace', telephoneNumber: '+447700900124' }),
      )
    ).body;

    expect(step.header).toBe('Complete your profile');
    expect(done.tokenId).toEqual(expect.any(String));
    expect((await users().get(id))?.telephoneNumber).toBe('+447700900124');
  });

  it('asks when the profile is under 80% complete although the number is there', async () => {
    // telephoneNumber, mail and the two preferences: 4 of 6 attributes, 67%.
    const { userName } = await user({
      profile: { telephoneNumber: '+447700900125' },
      loginCount: 9,
      createdDaysAgo: 40,
    });

    expect((await signIn(userName)).header).toBe('Complete your profile');
  });

  it('lets a complete profile through', async () => {
    const { userName } = await user({ profile: complete, loginCount: 9, createdDaysAgo: 40 });

    expect((await signIn(userName)).tokenId).toEqual(expect.any(String));
  });

  it('asks nothing of an account younger than 30 days, nor at another sign-in than the 10th', async () => {
    const young = await user({ loginCount: 9, createdDaysAgo: 10 });
    const eleventh = await user({ loginCount: 10, createdDaysAgo: 40 });

    expect((await signIn(young.userName)).tokenId).toEqual(expect.any(String));
    expect((await signIn(eleventh.userName)).tokenId).toEqual(expect.any(String));
  });
});

/** Login on the real ASL, nodes and DynamoDB Local with the terms given (TERMS_VERSION of a deployment). */
function harness(terms: TermsSource) {
  const doc = store();
  const services: NodeServices = {
    clock: systemClock,
    passwords: passwordHasher,
    users: new UserRepository(doc),
    attempts: new AttemptRepository(doc),
    throttle: new ThrottleRepository(doc, throttlePolicyFromEnv({})),
    mailer: { async enqueue() {} },
    terms,
  };
  const handler = (event: NodeInvocation): Promise<JourneyContext> => runNode(event, services);
  const engine = new EmbeddedEngine(
    NODE_LOOKUP,
    Object.fromEntries(Object.values(NODE_FAMILIES).map((family) => [family.substitution, handler])),
  );
  const journeys = new JourneyService({
    clock: systemClock,
    engine,
    transactions: new TransactionRepository(doc),
    sessions: new SessionRepository(doc),
    users: services.users,
    config: { transactionTtlSeconds: 900, sessionTtlSeconds: 3600, successUrl: '/' },
  });
  return {
    async signIn(userName: string): Promise<StepResponse> {
      const first = await journeys.start('Login', 'alpha');
      if (first.type !== 'step') throw new Error(`expected a step, got ${JSON.stringify(first)}`);
      const { type: _type, ...step } = first;
      return journeys.submit(
        'alpha',
        'Login',
        fill(step as Step, { Username: userName, Password: PASSWORD }),
      );
    },
  };
}

import {
  CallbackType,
  FRStep,
  type KbaCreateCallback,
  type PasswordCallback,
} from '@forgerock/javascript-sdk';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../functions/contract/clock.js';
import type {
  AttemptState,
  KbaAnswer,
  Reservation,
  User,
  UserProfile,
} from '../../functions/contract/data.js';
import type { JourneyContext, NodeInvocation, SharedState } from '../../functions/contract/journey.js';
import { accountKey } from '../../functions/contract/keys.js';
import type { NodeServices, PasswordHasher } from '../../functions/contract/nodes.js';
import type { AttemptStore, ThrottleStore, UserStore } from '../../functions/contract/ports.js';
import { matchCallbacks } from '../../functions/engine/callbacks-check.js';
import { normalizeAnswer } from '../../functions/nodes/kba-settings.js';
import { kbaVerify, randomSelection } from '../../functions/nodes/kba-verify.js';
import { getNodeDefinition, parseNodeConfig } from '../../functions/nodes/registry.js';
import { runNode } from '../../functions/nodes/run.js';
import type { Callback } from '../../functions/shared/callbacks.js';
import { ThrottledError } from '../../functions/shared/throttled.js';
import { passwordHasher } from '../../functions/store/password-hasher.js';
import { throttlePolicyFromEnv } from '../../functions/store/throttle.js';

const REALM = 'alpha';

class FakeUsers implements Pick<UserStore, 'create' | 'get' | 'findByUserName' | 'setKba'> {
  readonly items = new Map<string, User>();
  readonly calls: string[] = [];
  add(user: Partial<User> & { id: string; userName: string }): User {
    const full: User = {
      realm: REALM,
      accountStatus: 'active',
      loginCount: 0,
      createdAt: 'then',
      updatedAt: 'then',
      ...user,
    };
    this.items.set(full.id, full);
    return full;
  }
  async create(realm: string, profile: UserProfile, passwordHash: string | undefined): Promise<User> {
    this.calls.push('create');
    return this.add({
      ...profile,
      id: `u${this.items.size + 1}`,
      realm,
      ...(passwordHash ? { passwordHash } : {}),
    });
  }
  async get(id: string): Promise<User | undefined> {
    this.calls.push('get');
    return this.items.get(id);
  }
  async findByUserName(realm: string, userName: string): Promise<User | undefined> {
    this.calls.push('findByUserName');
    return [...this.items.values()].find((u) => u.realm === realm && u.userName === userName);
  }
  async setKba(id: string, kbaInfo: readonly KbaAnswer[]): Promise<void> {
    this.calls.push('setKba');
    const user = this.items.get(id);
    if (user) this.items.set(id, { ...user, kbaInfo: [...kbaInfo] });
  }
}

/** The AttemptStore's contract (ADR 10) in memory: a reservation counts unless locked or at the limit. */
class FakeAttempts implements AttemptStore {
  readonly counts = new Map<string, number>();
  readonly locked = new Set<string>();
  readonly calls: string[] = [];
  async reserve(key: string, counter: string, limit: number | undefined): Promise<Reservation> {
    this.calls.push(`reserve ${counter}`);
    if (this.locked.has(key)) return { reserved: false, locked: true };
    if (limit === undefined) return { reserved: true, count: 0 };
    const count = this.counts.get(`${key}/${counter}`) ?? 0;
    if (count >= limit) return { reserved: false, locked: false };
    this.counts.set(`${key}/${counter}`, count + 1);
    return { reserved: true, count: count + 1 };
  }
  async countFailure(key: string, counter: string): Promise<number> {
    const count = (this.counts.get(`${key}/${counter}`) ?? 0) + 1;
    this.counts.set(`${key}/${counter}`, count);
    return count;
  }
  async clear(key: string, counter?: string): Promise<void> {
    this.calls.push(`clear ${counter ?? '*'}`);
    this.counts.delete(`${key}/${counter}`);
  }
  async lock(key: string): Promise<void> {
    this.locked.add(key);
  }
  async unlock(key: string): Promise<void> {
    this.locked.delete(key);
  }
  async get(): Promise<AttemptState> {
    return { counts: {} };
  }
}

class FakeThrottle implements ThrottleStore {
  readonly policy = throttlePolicyFromEnv({});
  readonly calls: string[] = [];
  refuse = false;
  async check(): Promise<void> {}
  async consume(keys: readonly { id: string }[]): Promise<void> {
    this.calls.push(`consume ${keys.map((k) => k.id).join(',')}`);
    if (this.refuse) throw new ThrottledError(30);
  }
  async refund(key: { id: string }): Promise<void> {
    this.calls.push(`refund ${key.id}`);
  }
  async clear(key: { id: string }): Promise<void> {
    this.calls.push(`clear ${key.id}`);
  }
}

function harness() {
  const users = new FakeUsers();
  const attempts = new FakeAttempts();
  const throttle = new FakeThrottle();
  const hashes: string[] = [];
  const passwords: PasswordHasher = {
    ...passwordHasher,
    hash: async (p) => {
      hashes.push('hash');
      return passwordHasher.hash(p);
    },
    verify: async (p, stored) => {
      hashes.push('verify');
      return passwordHasher.verify(p, stored);
    },
    burn: async (p) => {
      hashes.push('burn');
      return passwordHasher.burn(p);
    },
  };
  const services: NodeServices = {
    clock: systemClock,
    users: users as unknown as UserStore,
    attempts,
    throttle,
    passwords,
  };
  return { users, attempts, throttle, hashes, services };
}

type Harness = ReturnType<typeof harness>;

const invocation = (
  type: string,
  config: Record<string, unknown>,
  context: Partial<JourneyContext> & { state: SharedState },
): NodeInvocation => ({
  node: { id: type.replace(/Node$/, ''), type, config: config as never },
  context: { journey: 'J', realm: REALM, txId: 'tx', clientIp: '192.0.2.7', ...context },
});

/** Resumes a suspended node with what the client posted, checked as the engine checks it. */
async function resume(
  h: Harness,
  type: string,
  config: Record<string, unknown>,
  first: JourneyContext,
  submitted: unknown,
  state: SharedState = first.state,
): Promise<JourneyContext> {
  const input = matchCallbacks(first.suspend?.callbacks ?? [], submitted);
  return runNode(
    invocation(type, config, {
      state,
      resumeAt: first.suspendedAt ?? '',
      input,
      memo: first.suspend?.memo ?? {},
      ...(first.locale ? { locale: first.locale } : {}),
    }),
    h.services,
  );
}

/** The step as the SDK gets it (a fresh copy: the SDK's setters write into the payload). */
const sdkStep = (result: JourneyContext): FRStep =>
  new FRStep({ authId: 'auth', callbacks: structuredClone(result.suspend?.callbacks ?? []) as never });

const posted = (step: FRStep): unknown => JSON.parse(JSON.stringify(step.payload.callbacks));

async function defineAnswers(
  h: Harness,
  answers: ReadonlyArray<readonly [question: string, answer: string]>,
  config: Record<string, unknown> = {},
  state: SharedState = {},
): Promise<JourneyContext> {
  const first = await runNode(invocation('KbaCreateNode', config, { state }), h.services);
  const step = sdkStep(first);
  const callbacks = step.getCallbacksOfType<KbaCreateCallback>(CallbackType.KbaCreateCallback);
  for (const [index, [question, answer]] of answers.entries()) {
    callbacks[index]?.setQuestion(question);
    callbacks[index]?.setAnswer(answer);
  }
  return resume(h, 'KbaCreateNode', config, first, posted(step));
}

const hashOf = async (answer: string): Promise<string> => passwordHasher.hash(normalizeAnswer(answer));

async function userWithAnswers(h: Harness, patch: Partial<User> = {}): Promise<User> {
  return h.users.add({
    id: 'u-kba',
    userName: 'ada',
    kbaInfo: [
      { questionId: '1', answerHash: await hashOf('Blue') },
      { questionId: '2', answerHash: await hashOf('Analytical Engines Ltd') },
      { customQuestion: 'Name of my first cat?', answerHash: await hashOf('Babbage') },
    ],
    ...patch,
  });
}

describe('KBA Definition (KbaCreateNode)', () => {
  it('asks "must define" KbaCreateCallbacks in AM\'s shape, localized', async () => {
    const h = harness();
    const en = await runNode(invocation('KbaCreateNode', {}, { state: {} }), h.services);
    const fr = await runNode(
      invocation('KbaCreateNode', { minimumAnswersToDefine: 3 }, { state: {}, locale: 'fr-CA' }),
      h.services,
    );

    expect(en.suspend?.callbacks).toEqual([
      {
        type: 'KbaCreateCallback',
        output: [
          { name: 'prompt', value: 'Select a security question' },
          {
            name: 'predefinedQuestions',
            value: ["What's your favorite color?", 'Who was your first employer?'],
          },
          { name: 'allowUserDefinedQuestions', value: true },
        ],
        input: [
          { name: 'IDToken1question', value: '' },
          { name: 'IDToken1answer', value: '' },
        ],
        _id: 0,
      },
      expect.objectContaining({
        _id: 1,
        input: [expect.objectContaining({ name: 'IDToken2question' }), expect.anything()],
      }),
    ]);
    expect(fr.suspend?.callbacks).toHaveLength(3);
    expect(fr.suspend?.callbacks[0]?.output[1]?.value).toEqual([
      'Quelle est votre couleur préférée ?',
      'Quel a été votre premier employeur ?',
    ]);
  });

  it('is driven by the SDK: hashes the normalized answers into objectAttributes, which Create Object stores — no answer in clear anywhere', async () => {
    const h = harness();
    const first = await runNode(invocation('KbaCreateNode', {}, { state: {} }), h.services);
    const step = sdkStep(first);
    const [color, own] = step.getCallbacksOfType<KbaCreateCallback>(CallbackType.KbaCreateCallback);
    expect(color?.getPredefinedQuestions()).toContain("What's your favorite color?");
    expect(color?.isAllowedUserDefinedQuestions()).toBe(true);
    color?.setQuestion(color.getPredefinedQuestions()[0] ?? '');
    color?.setAnswer('  Blue ');
    own?.setQuestion('  Name of my   first cat? ');
    own?.setAnswer('Mister  WHISKERS');

    const defined = await resume(h, 'KbaCreateNode', {}, first, posted(step), {
      objectAttributes: { userName: 'ada' },
    });

    expect(defined.outcome).toBe('outcome');
    const kbaInfo = defined.state.objectAttributes?.kbaInfo as KbaAnswer[];
    expect(kbaInfo).toEqual([
      { questionId: '1', answerHash: expect.stringMatching(/^\$argon2id\$/) },
      { customQuestion: 'Name of my first cat?', answerHash: expect.stringMatching(/^\$argon2id\$/) },
    ]);
    expect(JSON.stringify(defined)).not.toMatch(/blue|whiskers/i);

    const created = await runNode(invocation('CreateObjectNode', {}, { state: defined.state }), h.services);
    expect(created.outcome).toBe('CREATED');
    const user = h.users.items.get(created.state.userId ?? '');
    expect(user?.kbaInfo).toEqual(kbaInfo);
    expect(JSON.stringify(user)).not.toMatch(/blue|whiskers/i);
    expect(created.state.objectAttributes).toEqual({ userName: 'ada' });
    // Only the normalized answer verifies: "  Blue " ≡ "blue".
    const [colorHash, catHash] = (user?.kbaInfo ?? []).map((a) => a.answerHash);
    expect(await passwordHasher.verify('blue', colorHash ?? '')).toBe(true);
    expect(await passwordHasher.verify('  Blue ', colorHash ?? '')).toBe(false);
    expect(await passwordHasher.verify('mister whiskers', catHash ?? '')).toBe(true);
  });

  it('takes a predefined question given by its position, as the ForgeRock Login Widget sends it', async () => {
    const h = harness();
    h.users.add({ id: 'u1', userName: 'ada' });
    const result = await defineAnswers(
      h,
      [
        ['1', 'Analytical Engines'],
        ['0', 'Blue'],
      ],
      {},
      { userId: 'u1' },
    );
    expect(result.outcome).toBe('outcome');
    expect(h.users.items.get('u1')?.kbaInfo?.map((a) => ('questionId' in a ? a.questionId : a))).toEqual([
      '2',
      '1',
    ]);
  });

  it('stores the hashes on an identified user (setKba), not in shared state', async () => {
    const h = harness();
    h.users.add({ id: 'u1', userName: 'ada' });
    const result = await defineAnswers(
      h,
      [
        ['Who was your first employer?', 'Analytical Engines'],
        ["What's your favorite color?", 'Blue'],
      ],
      {},
      { userId: 'u1' },
    );

    expect(result.outcome).toBe('outcome');
    expect(h.users.calls).toContain('setKba');
    expect(h.users.items.get('u1')?.kbaInfo?.map((a) => ('questionId' in a ? a.questionId : a))).toEqual([
      '2',
      '1',
    ]);
    expect(result.state.objectAttributes).toBeUndefined();
  });

  it.each([
    [
      'an empty answer',
      [
        ["What's your favorite color?", '  '],
        ['Who was your first employer?', 'x'],
      ],
      {},
      /Choose a question and give an answer/,
    ],
    [
      'no question',
      [
        ['', 'Blue'],
        ['Who was your first employer?', 'x'],
      ],
      {},
      /Choose a question and give an answer/,
    ],
    [
      'one question twice',
      [
        ["What's your favorite color?", 'Blue'],
        ["What's your favorite color?", 'Red'],
      ],
      {},
      /different question/,
    ],
    [
      'a loose copy of a predefined question',
      [
        ["What's your favorite color?", 'Blue'],
        ['WHATS YOUR FAVORITE COLOR???', 'Red'],
      ],
      {},
      /different question/,
    ],
    [
      'an own question where none are allowed',
      [
        ["What's your favorite color?", 'Blue'],
        ['My own?', 'x'],
      ],
      { allowUserDefinedQuestions: false },
      /listed questions/,
    ],
    [
      'an answer too long',
      [
        ["What's your favorite color?", 'b'.repeat(300)],
        ['Who was your first employer?', 'x'],
      ],
      {},
      /limited to 256/,
    ],
  ] as const)(
    'renders again with a message for %s, storing and hashing nothing',
    async (_case, answers, config, message) => {
      const h = harness();
      const result = await defineAnswers(h, answers, config);

      expect(result.outcome).toBe('suspended');
      expect(result.suspend?.callbacks[0]).toMatchObject({
        type: 'TextOutputCallback',
        output: [
          { name: 'message', value: expect.stringMatching(message) },
          { name: 'messageType', value: '2' },
        ],
      });
      expect(result.suspend?.callbacks.slice(1).map((c) => c.type)).toEqual([
        'KbaCreateCallback',
        'KbaCreateCallback',
      ]);
      expect(result.state.objectAttributes).toBeUndefined();
      expect(h.hashes).toEqual([]);
    },
  );

  it('on a Page, hashes nothing while another input is only validated (validateOnly)', async () => {
    const h = harness();
    const page = (context: Partial<JourneyContext>): NodeInvocation => ({
      node: {
        id: 'Page',
        type: 'PageNode',
        config: {
          nodes: [
            { id: 'Password', type: 'ValidatedPasswordNode', config: { validateInput: true } },
            { id: 'Kba', type: 'KbaCreateNode' },
          ],
        } as never,
      },
      context: { journey: 'J', realm: REALM, txId: 'tx', state: {}, ...context },
    });
    const first = await runNode(page({}), h.services);
    const callbacks = structuredClone(first.suspend?.callbacks ?? []) as Callback[];
    const set = (index: number, name: string, value: string | boolean): void => {
      const input = callbacks[index]?.input.find((i) => i.name.endsWith(name));
      if (input) input.value = value;
    };
    set(0, '1', 'Str0ng-Passphrase!');
    set(0, 'validateOnly', true);
    set(1, 'question', "What's your favorite color?");
    set(1, 'answer', 'Blue');
    set(2, 'question', 'Who was your first employer?');
    set(2, 'answer', 'Me');
    const input = matchCallbacks(first.suspend?.callbacks ?? [], callbacks);

    const validated = await runNode(
      page({ resumeAt: 'Page', input, memo: first.suspend?.memo ?? {} }),
      h.services,
    );
    expect(validated.outcome).toBe('suspended');
    expect(h.hashes).toEqual([]);

    set(0, 'validateOnly', false);
    const submitted = await runNode(
      page({
        resumeAt: 'Page',
        input: matchCallbacks(first.suspend?.callbacks ?? [], callbacks),
        memo: first.suspend?.memo ?? {},
      }),
      h.services,
    );
    expect(submitted.outcome).toBe('outcome');
    expect(h.hashes).toEqual(['hash', 'hash']);
    expect(submitted.state.objectAttributes?.kbaInfo).toHaveLength(2);
  });

  it('refuses bad configs', () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['KbaCreateNode', { minimumAnswersToDefine: 0 }],
      ['KbaCreateNode', { questions: {} }],
      ['KbaCreateNode', { questions: { '1': {} } }],
      ['KbaCreateNode', { questions: { 'no spaces': { en: 'Q?' } } }],
      ['KbaCreateNode', { allowUserDefinedQuestions: 'yes' }],
      ['KbaVerifyNode', { minimumAnswersToVerify: 11 }],
      ['KbaVerifyNode', { reserveAttempts: { counter: 'x y', limit: 3 } }],
      ['KbaVerifyNode', { nope: true }],
      ['KbaDecisionNode', { minimumAnswersToDefine: 1.5 }],
      ['KbaDecisionNode', { questions: {} }],
    ];
    for (const [type, config] of cases) {
      expect(() => parseNodeConfig(getNodeDefinition(type), config, 'Kba')).toThrow(
        /Invalid config for node Kba/,
      );
    }
  });
});

describe('KBA Verification (KbaVerifyNode)', () => {
  const reserve = { reserveAttempts: { counter: 'KbaRetry', limit: 3 } };

  it('asks "must answer" questions as PasswordCallbacks, chosen at random when more are defined', async () => {
    const h = harness();
    await userWithAnswers(h);
    const asked = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const result = await runNode(
        invocation('KbaVerifyNode', { minimumAnswersToVerify: 2 }, { state: { userId: 'u-kba' } }),
        h.services,
      );
      const prompts = result.suspend?.callbacks.map((c) => c.output[0]?.value as string) ?? [];
      expect(result.suspend?.callbacks.map((c) => c.type)).toEqual(['PasswordCallback', 'PasswordCallback']);
      expect(new Set(prompts).size).toBe(2);
      asked.add(prompts.join('|'));
    }
    expect(asked.size).toBeGreaterThan(1);
    expect(h.hashes).toEqual([]);
  });

  it('picks distinct indices with the CSPRNG', () => {
    for (let i = 0; i < 50; i++) {
      const picked = randomSelection(5, 3);
      expect(new Set(picked).size).toBe(3);
      expect(picked.every((n) => n >= 0 && n < 5)).toBe(true);
    }
    expect(randomSelection(2, 5).sort()).toEqual([0, 1]);
  });

  it('is driven by the SDK: right answers (normalized) are true, the counter cleared and the attempt given back', async () => {
    const h = harness();
    await userWithAnswers(h);
    const config = { ...reserve, minimumAnswersToVerify: 3 };
    const first = await runNode(
      invocation('KbaVerifyNode', config, { state: { userId: 'u-kba' } }),
      h.services,
    );
    const step = sdkStep(first);
    const answers: Record<string, string> = {
      "What's your favorite color?": '  BLUE ',
      'Who was your first employer?': 'analytical   engines ltd',
      'Name of my first cat?': 'babbage',
    };
    for (const callback of step.getCallbacksOfType<PasswordCallback>(CallbackType.PasswordCallback)) {
      callback.setPassword(answers[callback.getPrompt()] ?? 'unknown prompt');
    }

    const result = await resume(h, 'KbaVerifyNode', config, first, posted(step));

    expect(result.outcome).toBe('true');
    const key = accountKey(REALM, 'ada');
    expect(h.attempts.calls).toEqual(['reserve KbaRetry', 'clear KbaRetry']);
    expect(h.throttle.calls).toEqual([
      `consume cred#${key},cred#ip4#192.0.2.7`,
      `refund cred#${key}`,
      'refund cred#ip4#192.0.2.7',
    ]);
    expect(h.hashes).toEqual(['verify', 'verify', 'verify']);
    expect(JSON.stringify(result)).not.toMatch(/babbage|blue/i);
  });

  it('counts a wrong answer toward the lockout like a wrong password, until the account is Locked', async () => {
    const h = harness();
    await userWithAnswers(h);
    const key = accountKey(REALM, 'ada');
    const attempt = async (): Promise<JourneyContext> => {
      const first = await runNode(
        invocation('KbaVerifyNode', reserve, { state: { userId: 'u-kba' } }),
        h.services,
      );
      const step = sdkStep(first);
      step.getCallbackOfType<PasswordCallback>(CallbackType.PasswordCallback).setPassword('wrong');
      return resume(h, 'KbaVerifyNode', reserve, first, posted(step));
    };

    const failed = await attempt();
    expect(failed.outcome).toBe('false');
    expect(failed.state.transient?.countedAttempts).toEqual({ KbaRetry: 1 });
    expect(failed.state.transient?.messages).toEqual([
      { message: 'The answers to the security questions are not correct.', messageType: '2' },
    ]);
    expect(h.throttle.calls.filter((c) => c.startsWith('refund'))).toEqual([]);
    expect(h.attempts.counts.get(`${key}/KbaRetry`)).toBe(1);

    await attempt();
    await attempt();
    // The limit is taken: not evaluated (429, try again) until the Account Lockout locks the account.
    await expect(attempt()).rejects.toBeInstanceOf(ThrottledError);
    await h.attempts.lock(key);
    const verifiesBefore = h.hashes.length;
    expect((await attempt()).outcome).toBe('Locked');
    expect(h.hashes.length).toBe(verifiesBefore);
  });

  it('shows the failure message on the next page it asks', async () => {
    const h = harness();
    await userWithAnswers(h);
    const result = await runNode(
      invocation(
        'KbaVerifyNode',
        {},
        {
          state: { userId: 'u-kba', transient: { messages: [{ message: 'Nope.', messageType: '2' }] } },
        },
      ),
      h.services,
    );

    expect(result.suspend?.callbacks.map((c) => c.type)).toEqual(['TextOutputCallback', 'PasswordCallback']);
    expect(result.suspend?.callbacks[1]?.input[0]?.name).toBe('IDToken2');
    expect(result.suspend?.memo).toMatchObject({ messages: 1 });
  });

  it('refuses with 429 when the failed-credential throttle is exceeded, evaluating and reserving nothing', async () => {
    const h = harness();
    await userWithAnswers(h);
    const first = await runNode(
      invocation('KbaVerifyNode', reserve, { state: { userId: 'u-kba' } }),
      h.services,
    );
    h.throttle.refuse = true;

    await expect(resume(h, 'KbaVerifyNode', reserve, first, first.suspend?.callbacks)).rejects.toBeInstanceOf(
      ThrottledError,
    );
    expect(h.attempts.calls).toEqual([]);
    expect(h.hashes).toEqual([]);
  });

  it('is Locked for a disabled account even with the right answers', async () => {
    const h = harness();
    await userWithAnswers(h, {
      accountStatus: 'inactive',
      kbaInfo: [{ questionId: '1', answerHash: await hashOf('blue') }],
    });
    const first = await runNode(invocation('KbaVerifyNode', {}, { state: { userId: 'u-kba' } }), h.services);
    const step = sdkStep(first);
    step.getCallbackOfType<PasswordCallback>(CallbackType.PasswordCallback).setPassword('Blue');

    expect((await resume(h, 'KbaVerifyNode', {}, first, posted(step))).outcome).toBe('Locked');
  });

  it('finds the user by username when no userId is set', async () => {
    const h = harness();
    await userWithAnswers(h);
    const result = await runNode(invocation('KbaVerifyNode', {}, { state: { username: 'ada' } }), h.services);

    expect(result.outcome).toBe('suspended');
    expect(h.users.calls).toEqual(['findByUserName']);
  });

  it('is false for a user without answers, or true with allowWithoutAnswers; false for no user', async () => {
    const h = harness();
    h.users.add({ id: 'u0', userName: 'old-timer' });
    const run = (config: Record<string, unknown>, state: SharedState) =>
      runNode(invocation('KbaVerifyNode', config, { state }), h.services);

    expect((await run({}, { userId: 'u0' })).outcome).toBe('false');
    expect((await run({ allowWithoutAnswers: true }, { userId: 'u0' })).outcome).toBe('true');
    expect((await run({ allowWithoutAnswers: true }, {})).outcome).toBe('false');
    expect((await run({}, { userId: 'nobody' })).outcome).toBe('false');
    expect(h.hashes).toEqual([]);
  });

  it('checks reserveAttempts against the Retry Limit Decision on its false outcome', () => {
    const self = (routes: Record<string, string>) => ({
      id: 'Kba',
      config: v.parse(kbaVerify.configSchema, reserve),
      routes,
    });
    const retry = (config: Record<string, unknown>) => () => ({ type: 'RetryLimitDecisionNode', config });

    expect(
      kbaVerify.checkJourney(
        self({ false: 'KbaRetry' }),
        retry({ retryLimit: 3, incrementUserAttributeOnFailure: true }),
      ),
    ).toBeUndefined();
    expect(kbaVerify.checkJourney(self({ false: 'Other' }), retry({ retryLimit: 3 }))).toMatch(
      /must name the Retry Limit Decision/,
    );
    expect(
      kbaVerify.checkJourney(
        self({ false: 'KbaRetry' }),
        retry({ retryLimit: 3, incrementUserAttributeOnFailure: false }),
      ),
    ).toMatch(/must save its count/);
    expect(
      kbaVerify.checkJourney(
        self({ false: 'KbaRetry' }),
        retry({ retryLimit: 5, incrementUserAttributeOnFailure: true }),
      ),
    ).toMatch(/differs/);
  });
});

describe('KBA Decision (KbaDecisionNode)', () => {
  it('is true when the user has "must define" answers, false with fewer or without a user', async () => {
    const h = harness();
    const hash = await hashOf('x');
    h.users.add({
      id: 'two',
      userName: 'two',
      kbaInfo: [
        { questionId: '1', answerHash: hash },
        { questionId: '2', answerHash: hash },
      ],
    });
    h.users.add({ id: 'one', userName: 'one', kbaInfo: [{ questionId: '1', answerHash: hash }] });
    h.users.add({ id: 'none', userName: 'none' });
    const decide = async (state: SharedState, config: Record<string, unknown> = {}) =>
      (await runNode(invocation('KbaDecisionNode', config, { state }), h.services)).outcome;

    expect(await decide({ userId: 'two' })).toBe('true');
    expect(await decide({ userId: 'one' })).toBe('false');
    expect(await decide({ userId: 'one' }, { minimumAnswersToDefine: 1 })).toBe('true');
    expect(await decide({ userId: 'two' }, { minimumAnswersToDefine: 3 })).toBe('false');
    expect(await decide({ userId: 'none' })).toBe('false');
    expect(await decide({})).toBe('false');
  });
});

import { describe, expect, it } from 'vitest';
import type { JourneyContext } from '../../functions/contract/journey.js';
import { newSuspendedId } from '../../functions/contract/keys.js';
import { InvalidSuspendedIdError } from '../../functions/engine/errors.js';
import { JourneyService, type StepResponse } from '../../functions/engine/journeys.js';
import type { EnginePort } from '../../functions/engine/port.js';
import { numberCallbacks } from '../../functions/shared/callbacks.js';
import type { Store } from '../../functions/store/dynamo.js';
import { SessionRepository } from '../../functions/store/sessions.js';
import { TransactionRepository } from '../../functions/store/transactions.js';
import { UserRepository } from '../../functions/store/users.js';
import { authenticateUrl, post } from './am-client.js';
import { testStore } from './test-store.js';

/**
 * Suspend and resume by link (AM's `suspendedId`, issue 11): a node suspends the journey until a link is
 * followed; the id is single-use, unguessable, stored hashed, expires and is bound to the realm. On the real
 * DynamoDB Local, with an engine that plays the suspending node and records what it was resumed with.
 */
const store = (): Store => testStore();

type Step = Extract<StepResponse, { type: 'step' }>;

function linkEngine(linkMinutes = 10) {
  const state = { executions: 0, links: [] as string[], resumedWith: [] as JourneyContext[] };
  const engine: EnginePort & typeof state = Object.assign(state, {
    journeys: new Set(['Suspend']),
    async execute(_journey: string, input: JourneyContext): Promise<JourneyContext> {
      state.executions++;
      if (input.resumeAt === 'Mail' && input.memo?.suspended === true) {
        state.resumedWith.push(input);
        return {
          ...input,
          outcome: 'suspended',
          suspendedAt: 'Next',
          suspend: {
            callbacks: numberCallbacks([
              { type: 'TextOutputCallback', output: [{ name: 'message', value: 'resumed' }], input: [] },
            ]),
          },
        };
      }
      const { id, hash } = newSuspendedId(input.txId);
      state.links.push(id);
      return {
        ...input,
        outcome: 'suspended',
        suspendedAt: 'Mail',
        suspend: {
          callbacks: numberCallbacks([
            {
              type: 'SuspendedTextOutputCallback',
              output: [{ name: 'message', value: 'mailed' }],
              input: [],
            },
          ]),
          memo: { suspended: true },
          resumeLink: { hash, expiresAt: Math.floor(Date.now() / 1000) + linkMinutes * 60 },
        },
      };
    },
  });
  return engine;
}

function service(engine: EnginePort, nowMs: () => number = () => Date.now()): JourneyService {
  return new JourneyService({
    clock: { nowMs },
    engine,
    transactions: new TransactionRepository(store()),
    sessions: new SessionRepository(store()),
    users: new UserRepository(store()),
    config: { transactionTtlSeconds: 900, sessionTtlSeconds: 3600, successUrl: '/' },
  });
}

const text = (step: StepResponse): unknown => (step as Step).callbacks[0]?.output[0]?.value;

describe('a journey suspended until its link is followed', () => {
  it('answers its step as it is, and resumes once, from the link, with a new step', async () => {
    const engine = linkEngine();
    const journeys = service(engine);
    const suspended = (await journeys.start('Suspend', 'alpha')) as Step;
    const link = engine.links[0] as string;

    const resent = await journeys.submit('alpha', 'Suspend', {
      authId: suspended.authId,
      callbacks: suspended.callbacks,
    });
    const resumed = await journeys.resumeByLink('alpha', 'Suspend', link);
    const again = await journeys.resumeByLink('alpha', 'Suspend', link).catch((e: unknown) => e);

    expect(suspended.callbacks[0]?.type).toBe('SuspendedTextOutputCallback');
    expect(resent).toEqual(suspended);
    expect(text(resumed)).toBe('resumed');
    expect((resumed as Step).authId).not.toBe(suspended.authId);
    expect(engine.executions).toBe(2);
    expect(engine.resumedWith[0]).toMatchObject({ resumeAt: 'Mail', memo: { suspended: true } });
    expect(again).toBeInstanceOf(InvalidSuspendedIdError);
    // Only the link secret's hash is stored.
    const tx = await new TransactionRepository(store()).get(suspended.authId.split('.')[0] as string);
    expect(JSON.stringify(tx)).not.toContain((link.split('.')[1] as string).slice(0, 20));
  });

  it('lets exactly one of concurrent uses of the link through', async () => {
    const engine = linkEngine();
    const journeys = service(engine);
    await journeys.start('Suspend', 'alpha');
    const link = engine.links[0] as string;

    const uses = await Promise.allSettled(
      [1, 2, 3, 4].map(() => journeys.resumeByLink('alpha', 'Suspend', link)),
    );

    expect(uses.filter((u) => u.status === 'fulfilled')).toHaveLength(1);
    for (const lost of uses.filter((u) => u.status === 'rejected'))
      expect((lost as PromiseRejectedResult).reason).toBeInstanceOf(InvalidSuspendedIdError);
    expect(engine.resumedWith).toHaveLength(1);
  });

  it('refuses a forged, an expired, another realm’s or another journey’s link', async () => {
    let nowMs = Date.now();
    const engine = linkEngine(10);
    const journeys = service(engine, () => nowMs);
    const suspended = (await journeys.start('Suspend', 'alpha')) as Step;
    const link = engine.links[0] as string;
    const [txId] = link.split('.');
    const forged = `${txId}.${'A'.repeat(43)}`;

    const refusals = [
      await journeys.resumeByLink('alpha', 'Suspend', forged).catch((e: unknown) => e),
      await journeys.resumeByLink('alpha', 'Suspend', 'not-an-id').catch((e: unknown) => e),
      await journeys.resumeByLink('root', 'Suspend', link).catch((e: unknown) => e),
      await journeys.resumeByLink('alpha', 'Login', link).catch((e: unknown) => e),
      await journeys.resumeByLink('alpha', 'Suspend', suspended.authId).catch((e: unknown) => e),
    ];
    nowMs += 10 * 60_000;
    const expired = await journeys.resumeByLink('alpha', 'Suspend', link).catch((e: unknown) => e);

    for (const refusal of [...refusals, expired]) expect(refusal).toBeInstanceOf(InvalidSuspendedIdError);
    expect(engine.resumedWith).toHaveLength(0);
  });
});

describe('POST …/authenticate?suspendedId=', () => {
  it('answers an unknown or malformed id with AM’s 401', async () => {
    const unknown = await post(`${authenticateUrl('Login')}&suspendedId=${'a'.repeat(22)}.${'b'.repeat(43)}`);
    const malformed = await post(`${authenticateUrl('Login')}&suspendedId=%25%00`);
    const long = await post(`${authenticateUrl('Login')}&suspendedId=${'x'.repeat(300)}`);

    expect(unknown.status).toBe(401);
    expect(unknown.body).toMatchObject({ code: 401, reason: 'Unauthorized' });
    expect(malformed.status).toBe(401);
    expect(long.status).toBe(400);
  });
});

describe('POST …/authenticate?…=ProgressiveProfile (a journey that needs a signed-in user, started alone)', () => {
  it('fails as AM does (401), not as a server error', async () => {
    const reply = await post(authenticateUrl('ProgressiveProfile'));

    expect(reply.status).toBe(401);
    expect(reply.body).toMatchObject({ code: 401, message: 'Login failure' });
  });
});

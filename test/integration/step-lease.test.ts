import { describe, expect, it } from 'vitest';
import { systemClock } from '../../functions/contract/clock.js';
import type { JourneyContext } from '../../functions/contract/journey.js';
import { InvalidAuthIdError, StepConflictError } from '../../functions/engine/errors.js';
import { JourneyService, type StepResponse } from '../../functions/engine/journeys.js';
import type { EnginePort } from '../../functions/engine/port.js';
import { numberCallbacks, textOutputCallback } from '../../functions/shared/callbacks.js';
import type { Store } from '../../functions/store/dynamo.js';
import { SessionRepository } from '../../functions/store/sessions.js';
import { type Transaction, TransactionRepository } from '../../functions/store/transactions.js';
import { UserRepository } from '../../functions/store/users.js';
import { testStore } from './test-store.js';

/**
 * A claim on a step is a lease (on the real DynamoDB Local): when the request that claimed a step crashes, is
 * killed or runs too long, the same authId may take the step over once the lease has expired — exactly once —
 * and the stale claimer's late result is refused.
 */
const store = (): Store => testStore();

const LEASE_MS = 1000;
const config = {
  transactionTtlSeconds: 900,
  sessionTtlSeconds: 3600,
  successUrl: '/',
  stepLeaseMs: LEASE_MS,
};

type Step = Extract<StepResponse, { type: 'step' }>;

/** An engine whose executions wait at a step named after the execution's number; `gate` can hold them. */
function countingEngine(): EnginePort & { executions: number; gate: Promise<void> } {
  const engine = {
    executions: 0,
    gate: Promise.resolve(),
    journeys: new Set(['Lease']),
    async execute(_journey: string, input: JourneyContext): Promise<JourneyContext> {
      const n = ++engine.executions;
      await engine.gate;
      return {
        ...input,
        outcome: 'suspended',
        suspendedAt: 'Wait',
        suspend: { callbacks: numberCallbacks([textOutputCallback(`step ${n}`)]) },
      };
    },
  };
  return engine;
}

function service(engine: EnginePort, transactions = new TransactionRepository(store())): JourneyService {
  return new JourneyService({
    clock: systemClock,
    engine,
    transactions,
    sessions: new SessionRepository(store()),
    users: new UserRepository(store()),
    config,
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const txIdOf = (step: Step): string => step.authId.split('.')[0] as string;
const label = (step: Step): unknown => step.callbacks[0]?.output[0]?.value;
const submitStep = (journeys: JourneyService, step: Step): Promise<StepResponse> =>
  journeys.submit('alpha', 'Lease', { authId: step.authId, callbacks: step.callbacks });

/** A step claimed by a request that then crashed: the claim is written, nothing else ever is. */
async function abandonedClaim(step: Step, by: 'client' | 'event' = 'client'): Promise<Transaction> {
  const transactions = new TransactionRepository(store());
  const tx = await transactions.get(txIdOf(step));
  if (!tx) throw new Error('no transaction');
  return transactions.claim(tx, { ms: LEASE_MS, by });
}

describe('a step whose claimer crashed', () => {
  it('answers a retry 409 at once while the lease holds, then lets exactly one of concurrent retries take it', async () => {
    const engine = countingEngine();
    const journeys = service(engine);
    const first = (await journeys.start('Lease', 'alpha')) as Step;
    const claimed = await abandonedClaim(first);

    const began = Date.now();
    const early = await submitStep(journeys, first).catch((e: unknown) => e);
    const answeredIn = Date.now() - began;
    await sleep(Math.max(0, (claimed.leaseExpiresAt ?? 0) - Date.now() + 50));
    const retries = await Promise.allSettled([1, 2, 3].map(() => submitStep(journeys, first)));
    const replay = await submitStep(journeys, first).catch((e: unknown) => e);

    expect(early).toBeInstanceOf(StepConflictError);
    expect(answeredIn).toBeLessThan(LEASE_MS);
    const won = retries.filter((r) => r.status === 'fulfilled').map((r) => r.value as Step);
    expect(won).toHaveLength(1);
    expect(engine.executions).toBe(2); // the start, and the one retry that took the step over
    for (const lost of retries.filter((r) => r.status === 'rejected')) {
      expect([StepConflictError, InvalidAuthIdError]).toContain(
        (lost.reason as Error).constructor as typeof StepConflictError,
      );
    }
    expect(label(won[0] as Step)).toBe('step 2');
    expect(replay).toBeInstanceOf(InvalidAuthIdError);
    const tx = await new TransactionRepository(store()).get(txIdOf(first));
    expect(tx).toMatchObject({ status: 'waiting', version: claimed.version + 2 });
    expect(tx?.claimedStepHash).toBeUndefined();
    expect(tx?.leaseExpiresAt).toBeUndefined();
    // The step the retry was given goes on normally.
    expect(label((await submitStep(journeys, won[0] as Step)) as Step)).toBe('step 3');
  });

  it("refuses the stale claimer's late result: the retry that took the step over stands", async () => {
    const slow = countingEngine();
    const stale = service(slow);
    const retrying = service(countingEngine());
    const first = (await stale.start('Lease', 'alpha')) as Step;
    let release: () => void = () => undefined;
    slow.gate = new Promise((resolve) => {
      release = resolve;
    });

    // The first request claims the step and hangs past its lease; the client retries the same authId.
    const late = stale.submit('alpha', 'Lease', { authId: first.authId, callbacks: first.callbacks });
    const lateResult = late.catch((e: unknown) => e);
    await sleep(LEASE_MS + 200);
    const retry = (await submitStep(retrying, first)) as Step;
    release();
    const staleError = await lateResult;
    const tx = await new TransactionRepository(store()).get(txIdOf(first));

    expect(staleError).toBeInstanceOf(StepConflictError);
    expect((staleError as Error).message).toMatch(/taken over/);
    expect(slow.executions).toBe(2); // its start and the hung step
    expect(tx).toMatchObject({ status: 'waiting' });
    // Only the retry's step is valid; the transaction is not corrupted by the late write.
    expect(label((await submitStep(retrying, retry)) as Step)).toBe('step 2');
  });

  it('lets a webhook resume take over an expired claim, and the client catch up after it', async () => {
    const engine = countingEngine();
    const journeys = service(engine);
    const first = (await journeys.start('Lease', 'alpha')) as Step;
    const claimed = await abandonedClaim(first);

    const early = await journeys.resumeFromEvent(txIdOf(first));
    await sleep(Math.max(0, (claimed.leaseExpiresAt ?? 0) - Date.now() + 50));
    const resumed = await journeys.resumeFromEvent(txIdOf(first));
    const poll = (await submitStep(journeys, first)) as Step;

    expect(early).toBe('busy');
    expect(resumed).toBe('resumed');
    expect(engine.executions).toBe(2);
    expect(label(poll)).toBe('step 2');
    expect(poll.authId).not.toBe(first.authId);
  });

  it("lets the client take over a webhook resume's expired claim; the poll waits no longer than the lease", async () => {
    const engine = countingEngine();
    const journeys = service(engine);
    const first = (await journeys.start('Lease', 'alpha')) as Step;
    const claimed = await abandonedClaim(first, 'event');

    // A poll racing a resume waits for it, but not past its lease: then it takes the step over.
    const began = Date.now();
    const poll = (await submitStep(journeys, first)) as Step;
    const waited = Date.now() - began;

    expect(claimed.claimedBy).toBe('event');
    expect(waited).toBeGreaterThanOrEqual(LEASE_MS - 200);
    expect(waited).toBeLessThan(LEASE_MS + 1500);
    expect(label(poll)).toBe('step 2');
    expect(engine.executions).toBe(2);
  });

  it('refuses an authId that does not hold the step being processed (401, not 409)', async () => {
    const journeys = service(countingEngine());
    const first = (await journeys.start('Lease', 'alpha')) as Step;
    await abandonedClaim(first);
    const forged = `${txIdOf(first)}.${'A'.repeat(43)}`;

    await expect(
      journeys.submit('alpha', 'Lease', { authId: forged, callbacks: first.callbacks }),
    ).rejects.toBeInstanceOf(InvalidAuthIdError);
  });
});

import { describe, expect, it } from 'vitest';
import { systemClock } from '../../functions/contract/clock.js';
import type { JourneyContext } from '../../functions/contract/journey.js';
import type { StepResponse } from '../../functions/engine/journeys.js';
import { JourneyService } from '../../functions/engine/journeys.js';
import type { EnginePort } from '../../functions/engine/port.js';
import { numberCallbacks, textOutputCallback } from '../../functions/shared/callbacks.js';
import type { Store } from '../../functions/store/dynamo.js';
import { SessionRepository } from '../../functions/store/sessions.js';
import { type Lease, type Transaction, TransactionRepository } from '../../functions/store/transactions.js';
import { UserRepository } from '../../functions/store/users.js';
import { testStore } from './test-store.js';

/**
 * A client's poll that loses the race to claim its step to a webhook's resume (on the real DynamoDB Local): it
 * must be answered as an overtaken poll — the current step — not with 409 or 401.
 */
const store = (): Store => testStore();

/** An engine whose every execution waits at a step named after the execution's number. */
function countingEngine(): EnginePort {
  let executions = 0;
  return {
    journeys: new Set(['Race']),
    async execute(_journey, input): Promise<JourneyContext> {
      executions++;
      return {
        ...input,
        outcome: 'suspended',
        suspendedAt: 'Wait',
        suspend: { callbacks: numberCallbacks([textOutputCallback(`step ${executions}`)]) },
      };
    },
  };
}

/** Transactions whose claim waits at a gate: lets another request claim the step first. */
class GatedTransactions extends TransactionRepository {
  gate: Promise<void> = Promise.resolve();
  override async claim(tx: Transaction, lease: Lease): Promise<Transaction> {
    await this.gate;
    return super.claim(tx, lease);
  }
}

const config = { transactionTtlSeconds: 900, sessionTtlSeconds: 3600, successUrl: '/' };

describe('a poll racing a webhook resume', () => {
  it('is answered with the step the event moved the journey to', async () => {
    const engine = countingEngine();
    const deps = {
      clock: systemClock,
      engine,
      sessions: new SessionRepository(store()),
      users: new UserRepository(store()),
      config,
    };
    const gated = new GatedTransactions(store());
    const polls = new JourneyService({ ...deps, transactions: gated });
    const events = new JourneyService({ ...deps, transactions: new TransactionRepository(store()) });
    const first = (await polls.start('Race', 'alpha')) as Extract<StepResponse, { type: 'step' }>;
    const txId = first.authId.split('.')[0] as string;
    let open: () => void = () => undefined;
    gated.gate = new Promise((resolve) => {
      open = resolve;
    });

    // The poll reads the waiting step, then stalls before claiming it; the event claims and runs it meanwhile.
    const poll = polls.submit('alpha', 'Race', { authId: first.authId, callbacks: first.callbacks });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const resumed = await events.resumeFromEvent(txId);
    open();
    const reply = await poll;

    expect(resumed).toBe('resumed');
    expect(reply.type).toBe('step');
    const step = reply as Extract<StepResponse, { type: 'step' }>;
    expect(step.callbacks[0]?.output[0]?.value).toBe('step 2');
    expect(step.authId).not.toBe(first.authId);
  });
});

import type { Callback } from '../shared/callbacks.js';
import { isJsonObject } from '../shared/json.js';
import { logger } from '../shared/logger.js';
import { nowSeconds } from '../store/dynamo.js';
import { ConcurrentUpdateError } from '../store/errors.js';
import type { SessionRepository } from '../store/sessions.js';
import { pendingFrom, type Transaction, type TransactionRepository } from '../store/transactions.js';
import type { UserRepository } from '../store/users.js';
import {
  formatAuthId,
  hashStepSecret,
  newStepSecret,
  newTransactionId,
  parseAuthId,
  secretMatches,
} from './auth-id.js';
import { matchCallbacks } from './callbacks-check.js';
import { InvalidAuthIdError, JourneyRequestError, StepConflictError } from './errors.js';
import { type EnginePort, JourneyExecutionError } from './port.js';
import { type JourneyContext, type SharedState, SUSPENDED } from './types.js';

export interface JourneyServiceConfig {
  /** How long a journey may wait for its next step. */
  transactionTtlSeconds: number;
  sessionTtlSeconds: number;
  successUrl: string;
}

export type StepResponse =
  | {
      type: 'step';
      authId: string;
      callbacks: Callback[];
      header?: string;
      description?: string;
      stage?: string;
    }
  | { type: 'success'; tokenId: string; successUrl: string; realm: string }
  | { type: 'failure'; message: string };

export interface JourneyServiceDeps {
  engine: EnginePort;
  transactions: TransactionRepository;
  sessions: SessionRepository;
  users: UserRepository;
  config: JourneyServiceConfig;
}

const realmPath = (realm: string): string => (realm === 'root' ? '/' : `/${realm}`);

/** Shared state as persisted: transient data (passwords, one-shot messages) never leaves the execution. */
function persistable(state: SharedState): SharedState {
  const { transient: _transient, ...rest } = state;
  return rest;
}

/**
 * Runs journeys step by step over the engine port: one execution per HTTP step, all state in the
 * transaction item between steps, each step claimed with a conditional write so it takes effect once.
 */
export class JourneyService {
  constructor(private readonly deps: JourneyServiceDeps) {}

  get journeys(): ReadonlySet<string> {
    return this.deps.engine.journeys;
  }

  async start(journey: string, realm: string): Promise<StepResponse> {
    this.assertJourney(journey);
    const now = new Date().toISOString();
    const tx: Transaction = {
      id: newTransactionId(),
      journey,
      realm,
      version: 0,
      status: 'processing',
      state: {},
      createdAt: now,
      updatedAt: now,
      expiresAt: nowSeconds() + this.deps.config.transactionTtlSeconds,
    };
    const output = await this.run(tx, { journey, realm, txId: tx.id, state: {} });
    return this.conclude(tx, output, true);
  }

  /** Processes a submitted step (`{authId, callbacks}`). */
  async submit(realm: string, journey: string | undefined, body: unknown): Promise<StepResponse> {
    if (!isJsonObject(body)) throw new JourneyRequestError('The request body must be a JSON object');
    const parsed = parseAuthId(body.authId);
    if (!parsed) throw new InvalidAuthIdError();
    const tx = await this.deps.transactions.get(parsed.txId);
    if (!tx || tx.realm !== realm) throw new InvalidAuthIdError();
    if (tx.status === 'processing') throw new StepConflictError();
    if (tx.status !== 'waiting' || !tx.pending || !secretMatches(parsed.secret, tx.stepHash)) {
      throw new InvalidAuthIdError();
    }
    if (journey !== undefined && journey !== tx.journey) {
      throw new JourneyRequestError(`This authId belongs to journey ${tx.journey}, not ${journey}`);
    }
    const input = matchCallbacks(tx.pending.callbacks, body.callbacks);
    let claimed: Transaction;
    try {
      claimed = await this.deps.transactions.claim(tx);
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
      const current = await this.deps.transactions.get(tx.id);
      if (current?.status === 'processing') throw new StepConflictError(undefined, { cause: error });
      throw new InvalidAuthIdError(undefined, { cause: error });
    }
    const output = await this.run(claimed, {
      journey: tx.journey,
      realm: tx.realm,
      txId: tx.id,
      resumeAt: tx.pending.node,
      input,
      ...(tx.pending.memo ? { memo: tx.pending.memo } : {}),
      state: tx.state,
    });
    return this.conclude(claimed, output, false);
  }

  private assertJourney(journey: string): void {
    if (!this.deps.engine.journeys.has(journey)) {
      throw new JourneyRequestError(`No journey named "${journey}"`, 400);
    }
  }

  private async run(tx: Transaction, input: JourneyContext): Promise<JourneyContext> {
    try {
      return await this.deps.engine.execute(tx.journey, input);
    } catch (error) {
      // The step's secret is spent: end the transaction so its clients get 401, not an endless 409.
      if (tx.version > 0) await this.end(tx, 'failed').catch(() => undefined);
      throw error;
    }
  }

  private async end(tx: Transaction, status: 'complete' | 'failed'): Promise<void> {
    // Only the outcome is kept (no shared state, no PII), until the item expires.
    const { pending: _pending, stepHash: _stepHash, ...rest } = tx;
    await this.deps.transactions.put(
      { ...rest, status, state: {}, version: tx.version + 1, updatedAt: new Date().toISOString() },
      tx.version,
    );
  }

  private async conclude(tx: Transaction, output: JourneyContext, isNew: boolean): Promise<StepResponse> {
    if (output.outcome === SUSPENDED && output.suspend && output.suspendedAt) {
      const secret = newStepSecret();
      const pending = pendingFrom(output.suspendedAt, output.suspend);
      const next: Transaction = {
        ...tx,
        version: tx.version + 1,
        status: 'waiting',
        stepHash: hashStepSecret(secret),
        pending,
        state: persistable(output.state),
        updatedAt: new Date().toISOString(),
        expiresAt: nowSeconds() + this.deps.config.transactionTtlSeconds,
      };
      await this.deps.transactions.put(next, isNew ? undefined : tx.version);
      const { callbacks, header, description, stage } = pending;
      return {
        type: 'step',
        authId: formatAuthId(tx.id, secret),
        callbacks,
        ...(header !== undefined ? { header } : {}),
        ...(description !== undefined ? { description } : {}),
        ...(stage !== undefined ? { stage } : {}),
      };
    }
    const result = output.result;
    if (result?.status === 'success') {
      const userId = output.state.userId;
      const user = userId ? await this.deps.users.get(userId) : undefined;
      if (!user)
        throw new JourneyExecutionError(tx.journey, 'NoIdentifiedUser', 'journey succeeded without a user');
      const tokenId = await this.deps.sessions.create(
        { userId: user.id, userName: user.userName, realm: tx.realm, journey: tx.journey },
        this.deps.config.sessionTtlSeconds,
      );
      if (!isNew) await this.end(tx, 'complete');
      logger.info('Journey succeeded', { journey: tx.journey, txId: tx.id, userId: user.id });
      return {
        type: 'success',
        tokenId,
        successUrl: this.deps.config.successUrl,
        realm: realmPath(tx.realm),
      };
    }
    if (result?.status === 'failure') {
      if (!isNew) await this.end(tx, 'failed');
      logger.info('Journey failed', { journey: tx.journey, txId: tx.id });
      return { type: 'failure', message: result.message ?? 'Login failure' };
    }
    throw new JourneyExecutionError(tx.journey, 'UnroutedOutcome', `outcome ${String(output.outcome)}`);
  }
}

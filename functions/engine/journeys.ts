import { type Clock, nowSeconds } from '../contract/clock.js';
import type { JourneyFrame, PendingStep, Transaction } from '../contract/data.js';
import { ConcurrentUpdateError } from '../contract/errors.js';
import {
  type JourneyContext,
  type SessionIdentity,
  type SharedState,
  SUSPENDED,
} from '../contract/journey.js';
import { leaseExpired, pendingFrom, released } from '../contract/keys.js';
import type { SessionStore, TransactionStore, UserStore } from '../contract/ports.js';
import type { Callback } from '../shared/callbacks.js';
import { isJsonObject } from '../shared/json.js';
import { logger } from '../shared/logger.js';
import { renderCallbacks } from '../shared/rendered.js';
import { retryAfterOf } from '../shared/throttled.js';
import { stepTimeouts } from '../shared/timeouts.js';
import {
  formatAuthId,
  hashStepSecret,
  newStepSecret,
  newTransactionId,
  parseAuthId,
  secretMatches,
} from './auth-id.js';
import { matchCallbacks } from './callbacks-check.js';
import {
  InvalidAuthIdError,
  InvalidSuspendedIdError,
  JourneyFailedError,
  JourneyRequestError,
  ServiceUnavailableError,
  StepConflictError,
  TooManyRequestsError,
} from './errors.js';
import { type EnginePort, EngineUnavailableError, JourneyExecutionError } from './port.js';

export interface JourneyServiceConfig {
  /** How long a journey may wait for its next step. */
  transactionTtlSeconds: number;
  sessionTtlSeconds: number;
  successUrl: string;
  /**
   * How long a claim on a step holds (milliseconds): just above the longest step. Once it has expired, the
   * step's client (or an event) may take the step over. Default: the lease of `functions/shared/timeouts.ts`.
   */
  stepLeaseMs?: number;
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

/** What a request brings besides its body. */
export interface StepRequest {
  /** The client's preferred locales, most preferred first (`de-ch,fr`: Accept-Language's tags). */
  locale?: string;
  /** The one-time `code` of a user back from an external redirect. */
  returnCode?: string;
  /** The client's address as the edge saw it (API Gateway's sourceIp), for throttling. */
  clientIp?: string;
  /**
   * The user of the live session (this realm's) the request came with; never stored. A function is called only
   * when the step runs an execution, so a request answered without one (an idle poll) costs no session read.
   */
  session?: SessionIdentity | null | (() => Promise<SessionIdentity | null>);
}

const sessionOf = async (request: StepRequest): Promise<SessionIdentity | null> =>
  typeof request.session === 'function' ? request.session() : (request.session ?? null);

export interface JourneyServiceDeps {
  engine: EnginePort;
  transactions: TransactionStore;
  sessions: SessionStore;
  users: UserStore;
  /** The time of the records' timestamps, expiries and step deadlines (leases are the store's, in its time). */
  clock: Clock;
  config: JourneyServiceConfig;
}

const realmPath = (realm: string): string => (realm === 'root' ? '/' : `/${realm}`);

/**
 * How long a poll waits for an event's resume that holds its step (a poll racing a webhook), never past the
 * resume's lease. A client's own claim (a double submit) is not waited for: the second submit gets 409 at once.
 */
const EVENT_WAIT_MS = 5000;

/** The most executions one step may take through inner journeys (a journey calling another, and back). */
const MAX_INNER_EXECUTIONS = 16;

/** Retry-After of a step that failed transiently (a timeout, a node function's or a vendor's failure). */
export const TRANSIENT_RETRY_AFTER_SECONDS = 2;

/** Which step of a transaction an authId's secret holds. */
type HeldStep = 'current' | 'claimed' | 'overtaken';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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
  private readonly leaseMs: number;

  constructor(private readonly deps: JourneyServiceDeps) {
    this.leaseMs = deps.config.stepLeaseMs ?? stepTimeouts().leaseSeconds * 1000;
  }

  private isoNow(): string {
    return new Date(this.deps.clock.nowMs()).toISOString();
  }

  get journeys(): ReadonlySet<string> {
    return this.deps.engine.journeys;
  }

  async start(journey: string, realm: string, request: StepRequest = {}): Promise<StepResponse> {
    const { locale, clientIp } = request;
    this.assertJourney(journey);
    const now = this.isoNow();
    const tx: Transaction = {
      id: newTransactionId(),
      journey,
      realm,
      version: 0,
      status: 'processing',
      state: {},
      createdAt: now,
      updatedAt: now,
      expiresAt: nowSeconds(this.deps.clock) + this.deps.config.transactionTtlSeconds,
    };
    const output = await this.run(tx, {
      journey,
      realm,
      txId: tx.id,
      locale: locale ?? null,
      clientIp: clientIp ?? null,
      session: await sessionOf(request),
      state: {},
    });
    const followed = await this.follow(tx, output, []);
    return this.conclude(tx, followed.output, true, undefined, followed.frames);
  }

  /** Processes a submitted step (`{authId, callbacks}`). */
  async submit(
    realm: string,
    journey: string | undefined,
    body: unknown,
    request: StepRequest = {},
  ): Promise<StepResponse> {
    const { locale, returnCode, clientIp } = request;
    if (!isJsonObject(body)) throw new JourneyRequestError('The request body must be a JSON object');
    const parsed = parseAuthId(body.authId);
    if (!parsed) throw new InvalidAuthIdError();
    const tx = await this.settled(parsed.txId);
    if (!tx || tx.realm !== realm) throw new InvalidAuthIdError();
    const held = heldStep(tx, parsed.secret);
    if (!held) throw new InvalidAuthIdError();
    if (journey !== undefined && journey !== tx.journey) {
      throw new JourneyRequestError(`This authId belongs to journey ${tx.journey}, not ${journey}`);
    }
    if (tx.status === 'processing') {
      // The step is being processed: 409 — unless its claimer is gone (the lease expired), then this retry
      // takes the step over.
      if (held !== 'claimed' || !leaseExpired(tx)) throw new StepConflictError();
    } else if (held === 'overtaken') {
      return this.caughtUp(tx);
    } else if (tx.status !== 'waiting') {
      throw new InvalidAuthIdError();
    }
    if (!tx.pending) throw new InvalidAuthIdError();
    const input = matchCallbacks(tx.pending.callbacks, body.callbacks);
    if (held === 'current' && tx.pending.resumeLink) {
      // Suspended until its link is followed: sending the step back changes nothing (AM answers it as it is).
      return this.stepResponse(tx.id, parsed.secret, tx.pending);
    }
    if (held === 'current' && !returnCode && isIdlePoll(tx, tx.pending, input, nowSeconds(this.deps.clock))) {
      // Nothing happened since the step was written: the client polls again with the step it holds.
      return this.stepResponse(tx.id, parsed.secret, tx.pending);
    }
    // Read before the step is claimed: a failed read leaves the step as it was.
    const session = await sessionOf(request);
    let claimed: Transaction;
    try {
      claimed = await this.deps.transactions.claim(tx, { ms: this.leaseMs, by: 'client' });
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
      // Someone else took the step first. A vendor's event (a webhook resume) overtakes the client's step: once
      // it has run, this poll gets the current step, as if it had come a moment later. Another submission of
      // the same step (a double click, or two retries of a step whose claimer crashed) gets 409 while it runs,
      // 401 after.
      const latest = await this.settled(tx.id);
      const heldNow = latest ? heldStep(latest, parsed.secret) : undefined;
      if (latest && latest.status !== 'processing' && heldNow === 'overtaken') return this.caughtUp(latest);
      if (latest?.status === 'processing' && heldNow)
        throw new StepConflictError(undefined, { cause: error });
      throw new InvalidAuthIdError(undefined, { cause: error });
    }
    if (tx.status === 'processing') {
      logger.warn('Step taken over after its lease expired', {
        journey: tx.journey,
        txId: tx.id,
        by: 'client',
      });
    }
    const { output, frames } = await this.resumePending(claimed, tx, {
      locale: locale ?? null,
      clientIp: clientIp ?? null,
      session,
      input,
      ...(returnCode ? { returnCode } : {}),
    });
    return this.concludeClaimed(claimed, output, frames);
  }

  /**
   * Resumes a journey suspended until its link is followed (AM's `…/authenticate?suspendedId=…`, what the
   * ForgeRock SDK's `FRAuth.resume(url)` sends): the id must be the suspension's (only its hash is stored), in
   * this realm, unexpired and unused — one use only: the step is claimed conditionally, and the suspension is
   * gone once the node has run. The holder of the link continues the journey with the next step. Anything else
   * is AM's 401.
   */
  async resumeByLink(
    realm: string,
    journey: string | undefined,
    suspendedId: string,
    request: StepRequest = {},
  ): Promise<StepResponse> {
    const parsed = parseAuthId(suspendedId);
    const tx = parsed ? await this.settled(parsed.txId) : undefined;
    const link = tx?.status === 'waiting' ? tx.pending?.resumeLink : undefined;
    if (
      !parsed ||
      !tx?.pending ||
      !link ||
      tx.realm !== realm ||
      !secretMatches(parsed.secret, link.hash) ||
      nowSeconds(this.deps.clock) >= link.expiresAt
    ) {
      throw new InvalidSuspendedIdError();
    }
    // The link names the journey of the node that made it: the transaction's, or the inner journey it waits in.
    if (journey !== undefined && journey !== tx.journey && journey !== tx.pending.journey)
      throw new InvalidSuspendedIdError();
    const session = await sessionOf(request);
    let claimed: Transaction;
    try {
      claimed = await this.deps.transactions.claim(tx, { ms: this.leaseMs, by: 'client' });
    } catch (error) {
      if (error instanceof ConcurrentUpdateError) throw new InvalidSuspendedIdError({ cause: error });
      throw error;
    }
    logger.info('Journey resumed by its link', { journey: tx.journey, txId: tx.id });
    const { output, frames } = await this.resumePending(claimed, tx, {
      locale: request.locale ?? null,
      clientIp: request.clientIp ?? null,
      session,
      input: tx.pending.callbacks,
    });
    return this.concludeClaimed(claimed, output, frames);
  }

  /**
   * Resumes a transaction that waits for an external event (a webhook said the user finished on another
   * device). Runs the step like a submission without input; the client's next poll then receives the result.
   */
  async resumeFromEvent(txId: string): Promise<'resumed' | 'not-waiting' | 'busy'> {
    const tx = await this.deps.transactions.get(txId);
    if (!tx) return 'not-waiting';
    if (tx.status === 'processing') {
      // Another request holds the step; an expired claim (its claimer is gone) is taken over.
      if (!leaseExpired(tx)) return 'busy';
    } else if (tx.status !== 'waiting') {
      return 'not-waiting';
    }
    if (!tx.pending) return 'not-waiting';
    let claimed: Transaction;
    try {
      claimed = await this.deps.transactions.claim(tx, { ms: this.leaseMs, by: 'event' });
    } catch (error) {
      if (error instanceof ConcurrentUpdateError) return 'busy';
      throw error;
    }
    if (tx.status === 'processing') {
      logger.warn('Step taken over after its lease expired', {
        journey: tx.journey,
        txId: tx.id,
        by: 'event',
      });
    }
    // No client sent this step: no locale, no address, no session (CARRIED_CONTEXT_FIELDS are never absent).
    const { output, frames } = await this.resumePending(claimed, tx, {
      locale: null,
      clientIp: null,
      session: null,
    });
    // The client still holds the step the event ran: its next poll is answered by catchUp.
    const overtaken = claimed.claimedStepHash;
    try {
      if (output.outcome === SUSPENDED || output.result?.status === 'success') {
        await this.conclude(claimed, output, false, overtaken, frames);
      } else {
        // The client learns of the failure on its next poll (AM's 401 Login failure).
        const { pending: _pending, ...rest } = released(claimed);
        await this.deps.transactions.put(
          {
            ...rest,
            version: claimed.version + 1,
            status: 'failed',
            ...(overtaken ? { previousStepHash: overtaken } : {}),
            state: {},
            updatedAt: this.isoNow(),
          },
          claimed.version,
        );
        logger.info('Journey failed', { journey: tx.journey, txId: tx.id });
      }
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
      // This resume ran past its lease and another request took the step over: that one's result stands.
      logger.warn('Resume outrun by a request that took its step over', { journey: tx.journey, txId: tx.id });
      return 'busy';
    }
    return 'resumed';
  }

  /**
   * Runs the pending step of `tx` (claimed as `claimed`) with what this request brings, in the journey it waits
   * in, then through inner journeys (`follow`).
   */
  private async resumePending(
    claimed: Transaction,
    tx: Transaction,
    request: Pick<JourneyContext, 'locale' | 'clientIp' | 'session' | 'input' | 'returnCode'>,
  ): Promise<{ output: JourneyContext; frames: JourneyFrame[] }> {
    const pending = tx.pending as PendingStep;
    const resumed = await this.run(claimed, {
      journey: pending.journey ?? tx.journey,
      realm: tx.realm,
      txId: tx.id,
      ...request,
      resumeAt: pending.node,
      ...(pending.memo ? { memo: pending.memo } : {}),
      state: tx.state,
    });
    return this.follow(claimed, resumed, tx.frames ?? []);
  }

  /** Writes a claimed step's result; a request that ran past its lease loses to the one that took it over. */
  private async concludeClaimed(
    claimed: Transaction,
    output: JourneyContext,
    frames: readonly JourneyFrame[],
  ): Promise<StepResponse> {
    try {
      return await this.conclude(claimed, output, false, undefined, frames);
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
      throw new StepConflictError('This step was taken over by another request after this one ran too long', {
        cause: error,
      });
    }
  }

  /**
   * Runs inner journeys (AM's Inner Tree Evaluator, ADR 22) until the step stops: a node that suspends with
   * `journey` has that journey run with the same shared state, its outer journey kept as a frame; an inner
   * journey that ends resumes the outer one at that node with its result (`innerResult`). What it returns is a
   * step for the client (with the frames still waiting) or the outer journey's end.
   */
  private async follow(
    tx: Transaction,
    first: JourneyContext,
    frames: readonly JourneyFrame[],
  ): Promise<{ output: JourneyContext; frames: JourneyFrame[] }> {
    let output = first;
    const stack = [...frames];
    for (let executions = 0; ; executions++) {
      if (executions >= MAX_INNER_EXECUTIONS) {
        throw new JourneyExecutionError(
          tx.journey,
          'InnerJourneyLimit',
          `more than ${MAX_INNER_EXECUTIONS} executions`,
        );
      }
      const carried = {
        realm: output.realm,
        txId: output.txId,
        locale: output.locale ?? null,
        clientIp: output.clientIp ?? null,
        session: output.session ?? null,
      };
      const call = output.outcome === SUSPENDED ? output.suspend?.journey : undefined;
      if (call !== undefined && output.suspendedAt) {
        const memo = output.suspend?.memo;
        stack.push({ journey: output.journey, node: output.suspendedAt, ...(memo ? { memo } : {}) });
        output = await this.run(tx, { journey: call, ...carried, state: output.state });
        continue;
      }
      const frame = output.result ? stack.pop() : undefined;
      if (frame) {
        output = await this.run(tx, {
          journey: frame.journey,
          ...carried,
          resumeAt: frame.node,
          innerResult: output.result?.status === 'success',
          ...(frame.memo ? { memo: frame.memo } : {}),
          state: output.state,
        });
        continue;
      }
      return { output, frames: stack };
    }
  }

  private caughtUp(tx: Transaction): Promise<StepResponse> {
    return this.catchUp(tx).catch((error: unknown) => {
      // Another poll with the same authId caught up first.
      throw error instanceof ConcurrentUpdateError
        ? new InvalidAuthIdError(undefined, { cause: error })
        : error;
    });
  }

  /**
   * The transaction; one whose step an event's resume is processing is given a few seconds to finish (a poll
   * racing a webhook), never past the resume's lease.
   */
  private async settled(txId: string): Promise<Transaction | undefined> {
    const deadline = Date.now() + EVENT_WAIT_MS;
    let tx = await this.deps.transactions.get(txId);
    while (
      tx?.status === 'processing' &&
      tx.claimedBy !== 'client' &&
      Date.now() <= Math.min(deadline, tx.leaseExpiresAt ?? deadline)
    ) {
      await sleep(100);
      tx = await this.deps.transactions.get(txId);
    }
    return tx;
  }

  /** The client holds the step an event overtook: give it the current step, or its result. */
  private async catchUp(tx: Transaction): Promise<StepResponse> {
    if (tx.status === 'waiting' && tx.pending) {
      const secret = newStepSecret();
      const { previousStepHash: _previous, ...rest } = tx;
      await this.deps.transactions.put(
        {
          ...rest,
          version: tx.version + 1,
          stepHash: hashStepSecret(secret),
          updatedAt: this.isoNow(),
        },
        tx.version,
      );
      return this.stepResponse(tx.id, secret, tx.pending);
    }
    if (tx.status === 'succeeded') {
      // Ending the transaction first (conditionally) makes sure only one poll receives the session.
      await this.end(tx, 'complete');
      return this.issueSession(tx, tx.state.userId);
    }
    if (tx.status === 'failed') {
      await this.end(tx, 'failed');
      return { type: 'failure', message: 'Login failure' };
    }
    throw new InvalidAuthIdError();
  }

  /** The step as the client receives it: rendered values (a QR code) are rendered from what was stored. */
  private async stepResponse(txId: string, secret: string, pending: PendingStep): Promise<StepResponse> {
    const { callbacks, header, description, stage } = pending;
    return {
      type: 'step',
      authId: formatAuthId(txId, secret),
      callbacks: await renderCallbacks(callbacks),
      ...(header !== undefined ? { header } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(stage !== undefined ? { stage } : {}),
    };
  }

  private async issueSession(tx: Transaction, userId: string | undefined): Promise<StepResponse> {
    const user = userId ? await this.deps.users.get(userId) : undefined;
    if (!user)
      throw new JourneyExecutionError(tx.journey, 'NoIdentifiedUser', 'journey succeeded without a user');
    const tokenId = await this.deps.sessions.create(
      { userId: user.id, userName: user.userName, realm: tx.realm, journey: tx.journey },
      this.deps.config.sessionTtlSeconds,
    );
    logger.info('Journey succeeded', { journey: tx.journey, txId: tx.id, userId: user.id });
    return { type: 'success', tokenId, successUrl: this.deps.config.successUrl, realm: realmPath(tx.realm) };
  }

  private assertJourney(journey: string): void {
    if (!this.deps.engine.journeys.has(journey)) {
      throw new JourneyRequestError(`No journey named "${journey}"`, 400);
    }
  }

  private async run(tx: Transaction, input: JourneyContext): Promise<JourneyContext> {
    try {
      return await this.deps.engine.execute(input.journey, input);
    } catch (error) {
      const retryAfter = throttledFor(error);
      if (retryAfter !== undefined) {
        // Throttled before anything was done: the step waits again under the same authId, to be sent after
        // Retry-After.
        if (tx.version > 0) await this.restore(tx);
        throw new TooManyRequestsError(retryAfter, { cause: error });
      }
      if (error instanceof EngineUnavailableError && error.mayHaveRun) {
        // Step Functions did not answer: the execution may still be running. The claim stays until its lease
        // expires; then the same authId takes the step over (ADR 9).
        const leaseLeftMs = (tx.leaseExpiresAt ?? Date.now()) - Date.now();
        logger.warn('Step not answered by the engine; left to its lease', {
          journey: tx.journey,
          txId: tx.id,
          error: error.message,
        });
        throw new ServiceUnavailableError(
          tx.version > 0 ? leaseLeftMs / 1000 + 1 : TRANSIENT_RETRY_AFTER_SECONDS,
          { cause: error },
        );
      }
      if (
        error instanceof EngineUnavailableError ||
        (error instanceof JourneyExecutionError && error.transient)
      ) {
        // The execution has ended (or never started) without a verdict on the journey: the step waits again
        // under the same authId, to be sent after Retry-After.
        logger.warn('Step failed transiently; restored for a retry', {
          journey: tx.journey,
          txId: tx.id,
          error: error instanceof JourneyExecutionError ? error.error : error.message,
        });
        if (tx.version > 0) await this.restore(tx);
        throw new ServiceUnavailableError(TRANSIENT_RETRY_AFTER_SECONDS, { cause: error });
      }
      if (error instanceof JourneyExecutionError && error.error === 'NoIdentifiedUserError') {
        // A journey that needs a signed-in user, started without one: it fails (AM's 401), nothing is broken.
        if (tx.version > 0) await this.end(tx, 'failed').catch(() => undefined);
        throw new JourneyFailedError({ cause: error });
      }
      // A bug or a configuration error: the step's secret is spent; end the transaction so its clients get 401,
      // not an endless 409.
      if (tx.version > 0) await this.end(tx, 'failed').catch(() => undefined);
      throw error;
    }
  }

  /**
   * Puts a claimed step back as it was before the claim (same step, same authId). A step taken over meanwhile
   * (its lease expired) belongs to the other request: 409, as for any late request.
   */
  private async restore(tx: Transaction): Promise<void> {
    const hash = tx.claimedStepHash;
    if (!hash || !tx.pending) return;
    try {
      await this.deps.transactions.put(
        {
          ...released(tx),
          status: 'waiting',
          stepHash: hash,
          version: tx.version + 1,
          updatedAt: this.isoNow(),
        },
        tx.version,
      );
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
      throw new StepConflictError('This step was taken over by another request', { cause: error });
    }
  }

  private async end(tx: Transaction, status: 'complete' | 'failed'): Promise<void> {
    // Only the outcome is kept (no shared state, no PII), until the item expires.
    const {
      pending: _pending,
      stepHash: _stepHash,
      previousStepHash: _previous,
      frames: _frames,
      ...rest
    } = released(tx);
    await this.deps.transactions.put(
      { ...rest, status, state: {}, version: tx.version + 1, updatedAt: this.isoNow() },
      tx.version,
    );
  }

  /**
   * Writes what an execution ended with. `overtakenStepHash` is set when an event (not the client) ran it: the
   * client still holds that step and is answered by `catchUp` on its next poll.
   */
  private async conclude(
    tx: Transaction,
    output: JourneyContext,
    isNew: boolean,
    overtakenStepHash?: string,
    frames: readonly JourneyFrame[] = [],
  ): Promise<StepResponse> {
    const now = this.isoNow();
    if (output.outcome === SUSPENDED && output.suspend && output.suspendedAt) {
      const secret = newStepSecret();
      // The events this execution may have seen: those signalled before the transaction was read.
      const pending: PendingStep = {
        ...pendingFrom(output.suspendedAt, output.suspend, tx.events ?? 0),
        // A step of an inner journey: the journey it resumes in, and the outer ones waiting for its result.
        ...(output.journey !== tx.journey ? { journey: output.journey } : {}),
      };
      const ttl = this.deps.config.transactionTtlSeconds;
      const { frames: _previousFrames, ...base } = released(tx);
      const next: Transaction = {
        ...base,
        ...(frames.length > 0 ? { frames: [...frames] } : {}),
        version: tx.version + 1,
        status: 'waiting',
        stepHash: hashStepSecret(secret),
        ...(overtakenStepHash ? { previousStepHash: overtakenStepHash } : {}),
        pending,
        state: persistable(output.state),
        updatedAt: now,
        // A step that waits for an event lasts until its deadline (idle polls do not write), then as any step;
        // a step suspended until its link is followed, until the link expires.
        expiresAt: Math.max(
          nowSeconds(this.deps.clock) + ttl,
          (pending.wait?.until ?? 0) + ttl,
          pending.resumeLink?.expiresAt ?? 0,
        ),
      };
      await this.deps.transactions.put(next, isNew ? undefined : tx.version);
      return this.stepResponse(tx.id, secret, pending);
    }
    const result = output.result;
    if (result?.status === 'success') {
      if (overtakenStepHash) {
        const { pending: _pending, ...rest } = released(tx);
        await this.deps.transactions.put(
          {
            ...rest,
            version: tx.version + 1,
            status: 'succeeded',
            previousStepHash: overtakenStepHash,
            state: { ...(output.state.userId ? { userId: output.state.userId } : {}) },
            updatedAt: now,
          },
          tx.version,
        );
        return { type: 'failure', message: 'Waiting for the client' };
      }
      if (!isNew) await this.end(tx, 'complete');
      return this.issueSession(tx, output.state.userId);
    }
    if (result?.status === 'failure') {
      if (!isNew) await this.end(tx, 'failed');
      logger.info('Journey failed', { journey: tx.journey, txId: tx.id });
      return { type: 'failure', message: result.message ?? 'Login failure' };
    }
    throw new JourneyExecutionError(tx.journey, 'UnroutedOutcome', `outcome ${String(output.outcome)}`);
  }
}

/**
 * Whether a submission of the current step is an idle poll of a step waiting for an event (issue 10 §3): the
 * step declared a wait whose deadline has not come, no event was signalled since it was written, and the client
 * sent every input back as it was given. Such a poll changes nothing and is answered from the transaction.
 */
function isIdlePoll(tx: Transaction, pending: PendingStep, input: readonly Callback[], now: number): boolean {
  const { wait } = pending;
  if (!wait || now >= wait.until || (tx.events ?? 0) !== wait.events) return false;
  return input.every((callback, index) => {
    const given = pending.callbacks[index]?.input ?? [];
    return callback.input.every((entry, i) => {
      const was = given[i]?.value;
      return was === entry.value || JSON.stringify(was) === JSON.stringify(entry.value);
    });
  });
}

/** Which step of the transaction the authId's secret holds, if any. */
function heldStep(tx: Transaction, secret: string): HeldStep | undefined {
  if (tx.status === 'waiting' && secretMatches(secret, tx.stepHash)) return 'current';
  if (tx.status === 'processing' && secretMatches(secret, tx.claimedStepHash)) return 'claimed';
  if (secretMatches(secret, tx.previousStepHash)) return 'overtaken';
  return undefined;
}

/** The wait of a step a node refused with ThrottledError, however the engine reported it; else undefined. */
function throttledFor(error: unknown): number | undefined {
  if (!(error instanceof JourneyExecutionError) || error.error !== 'ThrottledError') return undefined;
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const seconds = retryAfterOf(e.message);
    if (seconds !== undefined) return seconds;
  }
  return 1;
}

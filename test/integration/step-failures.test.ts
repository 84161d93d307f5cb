import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createApiHandler } from '../../functions/api/app.js';
import { apiConfigFromEnv } from '../../functions/api/config.js';
import type { HttpEvent, HttpResult } from '../../functions/api/http.js';
import { systemClock } from '../../functions/contract/clock.js';
import {
  CARRIED_CONTEXT_FIELDS,
  type JourneyContext,
  RESUME_CONTEXT_FIELDS,
} from '../../functions/contract/journey.js';
import {
  InvalidAuthIdError,
  ServiceUnavailableError,
  StepConflictError,
} from '../../functions/engine/errors.js';
import {
  JourneyService,
  type StepResponse,
  TRANSIENT_RETRY_AFTER_SECONDS,
} from '../../functions/engine/journeys.js';
import {
  type EnginePort,
  EngineUnavailableError,
  JourneyExecutionError,
} from '../../functions/engine/port.js';
import { numberCallbacks, textOutputCallback } from '../../functions/shared/callbacks.js';
import type { Store } from '../../functions/store/dynamo.js';
import { SessionRepository } from '../../functions/store/sessions.js';
import { TransactionRepository } from '../../functions/store/transactions.js';
import { UserRepository } from '../../functions/store/users.js';
import { testStore } from './test-store.js';

/**
 * A step whose execution fails (on the real DynamoDB Local): a transient failure — a timeout, a node function's
 * or Lambda's failure, a vendor unavailable, the Step Functions API throttling — is answered 503 with Retry-After
 * and the same step can be sent again with the same authId; anything else is a 500 and ends the transaction.
 */
const store = (): Store => testStore();

const LEASE_MS = 1500;
type Step = Extract<StepResponse, { type: 'step' }>;

/** An engine that suspends at `Wait`, unless told to fail its next execution; records every input. */
function scriptedEngine(): EnginePort & { failNext: unknown[]; inputs: JourneyContext[] } {
  const engine = {
    failNext: [] as unknown[],
    inputs: [] as JourneyContext[],
    journeys: new Set(['Flaky']),
    async execute(_journey: string, input: JourneyContext): Promise<JourneyContext> {
      engine.inputs.push(input);
      const failure = engine.failNext.shift();
      if (failure !== undefined) throw failure;
      return {
        journey: input.journey,
        realm: input.realm,
        txId: input.txId,
        locale: input.locale ?? null,
        clientIp: input.clientIp ?? null,
        state: { ...input.state, steps: Number(input.state.steps ?? 0) + 1 },
        outcome: 'suspended',
        suspendedAt: 'Wait',
        suspend: { callbacks: numberCallbacks([textOutputCallback(`step ${engine.inputs.length}`)]) },
      };
    },
  };
  return engine;
}

function service(engine: EnginePort): JourneyService {
  return new JourneyService({
    clock: systemClock,
    engine,
    transactions: new TransactionRepository(store()),
    sessions: new SessionRepository(store()),
    users: new UserRepository(store()),
    config: { transactionTtlSeconds: 900, sessionTtlSeconds: 3600, successUrl: '/', stepLeaseMs: LEASE_MS },
  });
}

const submitStep = (journeys: JourneyService, step: Step): Promise<StepResponse> =>
  journeys.submit('alpha', 'Flaky', { authId: step.authId, callbacks: step.callbacks }, { locale: 'fr' });
const failureOf = (run: Promise<unknown>): Promise<unknown> =>
  run.then(
    () => undefined,
    (e: unknown) => e,
  );
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const txIdOf = (step: Step): string => step.authId.split('.')[0] as string;

const execution = (error: string): JourneyExecutionError =>
  new JourneyExecutionError('Flaky', error, 'cause');

describe('a step whose execution fails', () => {
  it.each([
    ['timed out (TIMED_OUT)', execution('TIMED_OUT')],
    ['hit a node function timeout (Sandbox.Timedout)', execution('Sandbox.Timedout')],
    ['met a Lambda failure (Lambda.Unknown)', execution('Lambda.Unknown')],
    ['met Lambda throttling (Lambda.TooManyRequestsException)', execution('Lambda.TooManyRequestsException')],
    ['found a vendor unavailable (ProviderUnavailableError)', execution('ProviderUnavailableError')],
    ['was throttled by the Step Functions API', new EngineUnavailableError('throttled', false)],
  ])('that %s is answered 503 + Retry-After, and the same authId sends it again', async (_what, failure) => {
    const engine = scriptedEngine();
    const journeys = service(engine);
    const first = (await journeys.start('Flaky', 'alpha')) as Step;
    engine.failNext.push(failure);

    const error = await failureOf(submitStep(journeys, first));

    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect((error as ServiceUnavailableError).retryAfterSeconds).toBe(TRANSIENT_RETRY_AFTER_SECONDS);
    expect((error as Error).cause).toBe(failure);
    const tx = await new TransactionRepository(store()).get(txIdOf(first));
    expect(tx).toMatchObject({ status: 'waiting', version: 3, state: { steps: 1 } });
    expect(tx).not.toHaveProperty('leaseExpiresAt');
    // The same step, the same authId: it runs from the same state as the first time.
    const retried = (await submitStep(journeys, first)) as Step;
    expect(retried.type).toBe('step');
    expect(engine.inputs.at(-1)).toEqual(engine.inputs.at(-2));
    await expect(submitStep(journeys, first)).rejects.toBeInstanceOf(InvalidAuthIdError);
  });

  it('that Step Functions did not answer leaves the claim to its lease: 503 until it expires, then the retry takes the step over', async () => {
    const engine = scriptedEngine();
    const journeys = service(engine);
    const first = (await journeys.start('Flaky', 'alpha')) as Step;
    engine.failNext.push(new EngineUnavailableError('no answer', true));

    const error = await failureOf(submitStep(journeys, first));

    expect(error).toBeInstanceOf(ServiceUnavailableError);
    // The execution may still run: the step is not put back before the lease expires.
    expect((error as ServiceUnavailableError).retryAfterSeconds).toBeGreaterThanOrEqual(LEASE_MS / 1000);
    expect(await new TransactionRepository(store()).get(txIdOf(first))).toMatchObject({
      status: 'processing',
    });
    await expect(submitStep(journeys, first)).rejects.toBeInstanceOf(StepConflictError);
    await sleep(LEASE_MS + 100);
    expect(((await submitStep(journeys, first)) as Step).type).toBe('step');
  });

  it.each([
    ['a payload over the quota (States.DataLimitExceeded)', execution('States.DataLimitExceeded')],
    ['a journey bug (UnroutedOutcome)', execution('UnroutedOutcome')],
    ['a configuration error', new Error('AccessDeniedException')],
  ])('with %s ends the transaction (500; the authId is spent)', async (_what, failure) => {
    const engine = scriptedEngine();
    const journeys = service(engine);
    const first = (await journeys.start('Flaky', 'alpha')) as Step;
    engine.failNext.push(failure);

    expect(await failureOf(submitStep(journeys, first))).toBe(failure);

    expect(await new TransactionRepository(store()).get(txIdOf(first))).toMatchObject({ status: 'failed' });
    await expect(submitStep(journeys, first)).rejects.toBeInstanceOf(InvalidAuthIdError);
  });

  it('on the first step is answered 503 too (nothing was stored: the client starts again)', async () => {
    const engine = scriptedEngine();
    engine.failNext.push(execution('Sandbox.Timedout'));

    await expect(service(engine).start('Flaky', 'alpha')).rejects.toBeInstanceOf(ServiceUnavailableError);
  });
});

describe('the callbacks API', () => {
  const event = (body: unknown): HttpEvent =>
    ({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/json/realms/root/realms/alpha/authenticate',
      rawQueryString: 'authIndexType=service&authIndexValue=Flaky',
      queryStringParameters: { authIndexType: 'service', authIndexValue: 'Flaky' },
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      isBase64Encoded: false,
      requestContext: {
        http: { method: 'POST', path: '/json/realms/root/realms/alpha/authenticate', sourceIp: '192.0.2.1' },
      },
    }) as unknown as HttpEvent;

  it('answers a transient failure 503 with Retry-After in AM’s error shape; the same step then succeeds', async () => {
    const engine = scriptedEngine();
    const journeys = service(engine);
    const handler = createApiHandler({
      journeys,
      sessions: new SessionRepository(store()),
      config: { ...apiConfigFromEnv({}), realms: ['alpha'] },
    });
    const call = async (body: unknown) => (await handler(event(body), {} as Context)) as HttpResult;
    const first = JSON.parse((await call(undefined)).body as string) as Step;
    engine.failNext.push(execution('TIMED_OUT'));

    const unavailable = await call({ authId: first.authId, callbacks: first.callbacks });

    expect(unavailable.statusCode).toBe(503);
    expect(unavailable.headers?.['retry-after']).toBe(String(TRANSIENT_RETRY_AFTER_SECONDS));
    expect(JSON.parse(unavailable.body as string)).toEqual({
      code: 503,
      reason: 'Service Unavailable',
      message: 'The service is temporarily unavailable: send the same step again later',
    });
    const retried = await call({ authId: first.authId, callbacks: first.callbacks });
    expect(retried.statusCode).toBe(200);

    engine.failNext.push(execution('UnroutedOutcome'));
    const next = JSON.parse(retried.body as string) as Step;
    const failed = await call({ authId: next.authId, callbacks: next.callbacks });
    expect(failed.statusCode).toBe(500);
    expect(failed.headers).not.toHaveProperty('retry-after');
  });
});

describe('the context the engine is given', () => {
  it('always has the fields that outlive a node (null when unknown), and otherwise only the resume fields', async () => {
    const engine = scriptedEngine();
    const journeys = service(engine);
    const first = (await journeys.start('Flaky', 'alpha')) as Step;
    await submitStep(journeys, first);
    expect(await journeys.resumeFromEvent(txIdOf(first))).toBe('resumed');
    const allowed = [...CARRIED_CONTEXT_FIELDS, ...RESUME_CONTEXT_FIELDS] as string[];

    expect(engine.inputs).toHaveLength(3);
    for (const input of engine.inputs) {
      for (const field of CARRIED_CONTEXT_FIELDS) expect(input[field], field).not.toBeUndefined();
      expect(Object.keys(input).filter((k) => !allowed.includes(k))).toEqual([]);
    }
    expect(engine.inputs.map((i) => [i.locale, i.clientIp])).toEqual([
      [null, null],
      ['fr', null],
      [null, null],
    ]);
  });
});

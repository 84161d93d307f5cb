import { intEnv } from './env.js';
import { ConfigurationError } from './errors.js';

/**
 * Every time limit of a step, derived from one budget so that they nest — each limit leaves room for the one
 * inside it:
 *
 *   vendor calls with their retries < node function < step (the state machine's TimeoutSeconds)
 *     < API function < API Gateway (30 s);   step + margin = the lease on a claimed step
 *
 * The CDK stack takes the Lambda timeouts and the state machines' TimeoutSeconds from here; the embedded runtime
 * gives its interpreter the same step timeout; the API and webhook handlers take the lease from here (through
 * `STEP_TIMEOUT_SECONDS`, which the stack sets to the value it synthesized with). Change the budget here, not
 * one of the limits.
 */

/** API Gateway HTTP API's integration timeout (a hard limit): nothing behind it can answer later. */
export const API_GATEWAY_TIMEOUT_SECONDS = 30;

/** The step budget: the longest one execution of a journey's state machine (one HTTP step) may run. */
export const STEP_TIMEOUT_SECONDS = 25;

/** What the API function does around an execution: read the transaction, claim it, write the result, answer. */
const API_HEADROOM_SECONDS = 4;

/** What a state machine does around a node function: transitions, Choice and Pass states, Retry backoff. */
const NODE_HEADROOM_SECONDS = 5;

/**
 * Added to the step for the lease: the claim is written just before the execution starts, and the hosts'
 * clocks (the claimer's and a later retry's) may differ a little.
 */
export const LEASE_MARGIN_SECONDS = 2;

/**
 * The state machines' Retry on `ProviderUnavailableError` (a vendor timed out, answered 5XX or 429): the journey
 * lint holds every vendor node Task to exactly this policy, so the vendor budget below is derived from what the
 * ASL really does.
 */
export const PROVIDER_RETRY = { IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2 } as const;

/** The shortest vendor call timeout derived from a step budget, however small the budget (local tests). */
export const MIN_VENDOR_CALL_MS = 1000;

/** How many times a vendor node Task runs at most: the first attempt and the retries. */
export const providerAttempts = (retry: typeof PROVIDER_RETRY = PROVIDER_RETRY): number =>
  1 + retry.MaxAttempts;

/**
 * The longest the state machine waits between a vendor node's attempts, in all: the retry intervals, each the
 * previous one × BackoffRate (with `JitterStrategy: FULL` a wait is at most its interval).
 */
export function providerRetryWaitMs(retry: typeof PROVIDER_RETRY = PROVIDER_RETRY): number {
  let total = 0;
  for (let i = 0; i < retry.MaxAttempts; i++) total += retry.IntervalSeconds * retry.BackoffRate ** i * 1000;
  return total;
}

export interface StepTimeouts {
  /** One execution of a journey (one step): the state machine's TimeoutSeconds. */
  stepSeconds: number;
  /** A node function's Lambda timeout: one node within the step. */
  nodeFunctionSeconds: number;
  /** The API and webhook functions' Lambda timeout: a step and the transaction reads and writes around it. */
  apiFunctionSeconds: number;
  /**
   * How long a claim on a step holds: just above the longest step, so that once it has expired the claimer's
   * execution has ended (crashed, killed or timed out) and a retry may take the step over. A claimer still
   * writing after that loses to the retry's version (the transaction's optimistic concurrency).
   */
  leaseSeconds: number;
  /**
   * The longest one vendor call may take (the IDEMIA and iProov clients' timeout): all of a vendor node Task's
   * attempts (`PROVIDER_RETRY`) and the waits between them fit in the node function's timeout,
   * `attempts × call + waits ≤ node function`. Never under `MIN_VENDOR_CALL_MS`.
   */
  vendorCallMs: number;
}

/** The limits derived from a step budget (default `STEP_TIMEOUT_SECONDS`); refuses a budget that cannot nest. */
export function stepTimeouts(stepSeconds: number = STEP_TIMEOUT_SECONDS): StepTimeouts {
  const apiFunctionSeconds = stepSeconds + API_HEADROOM_SECONDS;
  if (
    !Number.isInteger(stepSeconds) ||
    stepSeconds < 1 ||
    apiFunctionSeconds >= API_GATEWAY_TIMEOUT_SECONDS
  ) {
    throw new ConfigurationError(
      `STEP_TIMEOUT_SECONDS must be a whole number of seconds from 1 to ${API_GATEWAY_TIMEOUT_SECONDS - API_HEADROOM_SECONDS - 1} (the API answers within API Gateway's ${API_GATEWAY_TIMEOUT_SECONDS} s), got ${stepSeconds}`,
    );
  }
  const nodeFunctionSeconds = Math.max(1, stepSeconds - NODE_HEADROOM_SECONDS);
  // Whole tenths of a second: 20 s of node function → (20 000 − 3 000) / 3 → 5 600 ms.
  const fits = (nodeFunctionSeconds * 1000 - providerRetryWaitMs()) / providerAttempts();
  return {
    stepSeconds,
    nodeFunctionSeconds,
    apiFunctionSeconds,
    leaseSeconds: stepSeconds + LEASE_MARGIN_SECONDS,
    vendorCallMs: Math.max(MIN_VENDOR_CALL_MS, Math.floor(fits / 100) * 100),
  };
}

/** The limits from `STEP_TIMEOUT_SECONDS` (default 25). */
export function stepTimeoutsFromEnv(env: NodeJS.ProcessEnv = process.env): StepTimeouts {
  return stepTimeouts(intEnv('STEP_TIMEOUT_SECONDS', STEP_TIMEOUT_SECONDS, env));
}

/**
 * A vendor client's call timeout from its setting (`IDEMIA_TIMEOUT_MS`, `IPROOV_TIMEOUT_MS`): by default the
 * step budget's `vendorCallMs`; a setting above it is refused, since the node function would time out (or the
 * step would) before the state machine's retries on the vendor were done.
 */
export function vendorCallTimeoutMs(setting: string, env: NodeJS.ProcessEnv = process.env): number {
  const timeouts = stepTimeoutsFromEnv(env);
  const limit = timeouts.vendorCallMs;
  const value = intEnv(setting, limit, env);
  if (value < 1 || value > limit) {
    throw new ConfigurationError(
      `${setting} must be from 1 to ${limit} ms, got ${value}: a vendor node makes up to ${providerAttempts()} attempts with ${providerRetryWaitMs()} ms of waits between them, which must fit in the node function's ${timeouts.nodeFunctionSeconds} s (STEP_TIMEOUT_SECONDS ${timeouts.stepSeconds} − ${NODE_HEADROOM_SECONDS})`,
    );
  }
  return value;
}

import { describe, expect, it } from 'vitest';
import { apiConfigFromEnv } from '../../functions/api/config.js';
import { listJourneyFiles } from '../../functions/engine/asl.js';
import { EmbeddedEngine } from '../../functions/engine/embedded.js';
import { JourneyExecutionError } from '../../functions/engine/port.js';
import { NODE_FAMILIES } from '../../functions/nodes/families.js';
import {
  API_GATEWAY_TIMEOUT_SECONDS,
  STEP_TIMEOUT_SECONDS,
  stepTimeouts,
  stepTimeoutsFromEnv,
} from '../../functions/shared/timeouts.js';

describe('step timeouts', () => {
  it('nest inside API Gateway, with the lease just above the step', () => {
    const t = stepTimeouts();

    expect(t.stepSeconds).toBe(STEP_TIMEOUT_SECONDS);
    expect(t.nodeFunctionSeconds).toBeLessThan(t.stepSeconds);
    expect(t.stepSeconds).toBeLessThan(t.apiFunctionSeconds);
    expect(t.apiFunctionSeconds).toBeLessThan(API_GATEWAY_TIMEOUT_SECONDS);
    expect(t.leaseSeconds).toBeGreaterThan(t.stepSeconds);
    expect(t.leaseSeconds - t.stepSeconds).toBeLessThanOrEqual(5);
  });

  it('come from STEP_TIMEOUT_SECONDS, which must fit in API Gateway’s 30 s', () => {
    expect(stepTimeoutsFromEnv({ STEP_TIMEOUT_SECONDS: '3' })).toMatchObject({
      stepSeconds: 3,
      leaseSeconds: 5,
    });
    expect(apiConfigFromEnv({ STEP_TIMEOUT_SECONDS: '3' }).stepLeaseMs).toBe(5000);
    expect(apiConfigFromEnv({}).stepLeaseMs).toBe(stepTimeouts().leaseSeconds * 1000);
    expect(() => stepTimeoutsFromEnv({ STEP_TIMEOUT_SECONDS: '28' })).toThrow(/STEP_TIMEOUT_SECONDS must be/);
    expect(() => stepTimeoutsFromEnv({ STEP_TIMEOUT_SECONDS: '0' })).toThrow(/STEP_TIMEOUT_SECONDS must be/);
    expect(() => stepTimeoutsFromEnv({ STEP_TIMEOUT_SECONDS: 'soon' })).toThrow(/non-negative integer/);
  });

  it('bound an embedded execution as the state machine’s TimeoutSeconds does on AWS', async () => {
    const login = listJourneyFiles().filter((f) => f.journey === 'Login');
    const stalled = () => new Promise<never>(() => undefined);
    const engine = new EmbeddedEngine({ [NODE_FAMILIES.identity.substitution]: stalled }, login, {
      timeoutSeconds: 1,
    });

    const error = await engine
      .execute('Login', { journey: 'Login', realm: 'alpha', txId: 't', state: {} })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(JourneyExecutionError);
    expect((error as Error).message).toMatch(/TIMED_OUT/);
  });
});

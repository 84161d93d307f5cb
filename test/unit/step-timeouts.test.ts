import { describe, expect, it } from 'vitest';
import { apiConfigFromEnv } from '../../functions/api/config.js';
import { NODE_FAMILIES } from '../../functions/contract/families.js';
import { listJourneyFiles } from '../../functions/engine/asl.js';
import { EmbeddedEngine } from '../../functions/engine/embedded.js';
import { JourneyExecutionError } from '../../functions/engine/port.js';
import { NODE_LOOKUP } from '../../functions/nodes/registry.js';
import { idemiaConfigFromEnv } from '../../functions/providers/idemia/config.js';
import { iproovConfigFromEnv } from '../../functions/providers/iproov/config.js';
import { ConfigurationError } from '../../functions/shared/errors.js';
import {
  API_GATEWAY_TIMEOUT_SECONDS,
  PROVIDER_RETRY,
  providerAttempts,
  providerRetryWaitMs,
  STEP_TIMEOUT_SECONDS,
  stepTimeouts,
  stepTimeoutsFromEnv,
} from '../../functions/shared/timeouts.js';

const idemiaEnv = {
  IDEMIA_COGNITO_URL: 'https://cognito.example',
  IDEMIA_CLIENT_ID: 'id',
  IDEMIA_CLIENT_SECRET: 'secret',
  IDEMIA_SESSION_URL: 'https://rp.example/sessions',
  IDEMIA_IPA_START_URL: 'https://rp.example/ipa/start',
  IDEMIA_GIPS_URL: 'https://gips.example',
  IDEMIA_GIPS_API_KEY: 'key',
  IDEMIA_APPLICATION_ID: 'app',
};
const iproovEnv = {
  IPROOV_BASE_URL: 'https://iproov.example/api/v2',
  IPROOV_API_KEY: 'key',
  IPROOV_API_SECRET: 'secret',
  IPROOV_OAUTH_USERNAME: 'user',
  IPROOV_OAUTH_PASSWORD: 'password',
};

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

  it('give a vendor node all its attempts and the waits between them within the node function’s timeout', () => {
    const t = stepTimeouts();
    // Every journey retries ProviderUnavailableError with PROVIDER_RETRY (the journey lint holds them to it).
    expect(providerAttempts()).toBe(1 + PROVIDER_RETRY.MaxAttempts);
    expect(providerRetryWaitMs()).toBe(3000);

    expect(t.vendorCallMs).toBe(5600);
    expect(providerAttempts() * t.vendorCallMs + providerRetryWaitMs()).toBeLessThanOrEqual(
      t.nodeFunctionSeconds * 1000,
    );
    expect(idemiaConfigFromEnv(idemiaEnv).timeoutMs).toBe(t.vendorCallMs);
    expect(iproovConfigFromEnv(iproovEnv).timeoutMs).toBe(t.vendorCallMs);
    expect(idemiaConfigFromEnv({ ...idemiaEnv, IDEMIA_TIMEOUT_MS: '3000' }).timeoutMs).toBe(3000);
  });

  it.each([
    ['IDEMIA_TIMEOUT_MS', () => idemiaConfigFromEnv({ ...idemiaEnv, IDEMIA_TIMEOUT_MS: '8000' })],
    ['IPROOV_TIMEOUT_MS', () => iproovConfigFromEnv({ ...iproovEnv, IPROOV_TIMEOUT_MS: '8000' })],
    ['IPROOV_TIMEOUT_MS', () => iproovConfigFromEnv({ ...iproovEnv, IPROOV_TIMEOUT_MS: '0' })],
  ])('refuse a %s that does not fit, naming the setting', (setting, read) => {
    expect(read).toThrow(ConfigurationError);
    expect(read).toThrow(new RegExp(`^${setting} must be from 1 to 5600 ms`));
  });

  it('derive the vendor budget from the step budget, never under a second', () => {
    expect(stepTimeoutsFromEnv({ STEP_TIMEOUT_SECONDS: '15' }).vendorCallMs).toBe(2300);
    expect(idemiaConfigFromEnv({ ...idemiaEnv, STEP_TIMEOUT_SECONDS: '15' }).timeoutMs).toBe(2300);
    expect(stepTimeoutsFromEnv({ STEP_TIMEOUT_SECONDS: '5' }).vendorCallMs).toBe(1000);
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
    const login = listJourneyFiles().filter((f) => ['Login', 'ProgressiveProfile'].includes(f.journey));
    const stalled = () => new Promise<never>(() => undefined);
    const engine = new EmbeddedEngine(
      NODE_LOOKUP,
      { [NODE_FAMILIES.identity.substitution]: stalled },
      login,
      {
        timeoutSeconds: 1,
      },
    );

    const error = await engine
      .execute('Login', { journey: 'Login', realm: 'alpha', txId: 't', state: {} })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(JourneyExecutionError);
    expect((error as Error).message).toMatch(/TIMED_OUT/);
  });
});

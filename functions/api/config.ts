import type { JourneyServiceConfig } from '../engine/journeys.js';
import { intEnv, optionalEnv } from '../shared/env.js';
import { stepTimeoutsFromEnv } from '../shared/timeouts.js';
import type { ApiConfig } from './app.js';

/** `UI_BASE_URL/enduser/` (the hosted pages' signed-in summary), if UI_BASE_URL is set. */
const uiEnduser = (env: NodeJS.ProcessEnv): string | undefined => {
  const ui = optionalEnv('UI_BASE_URL', env)?.replace(/\/$/, '');
  return ui ? `${ui}/enduser/` : undefined;
};

/** The API's configuration from the environment; every variable has a documented default. */
export function apiConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ApiConfig & JourneyServiceConfig {
  return {
    realms: (optionalEnv('REALMS', env) ?? 'alpha')
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean),
    defaultJourney: optionalEnv('DEFAULT_JOURNEY', env) ?? 'Login',
    maxBodyBytes: intEnv('MAX_BODY_BYTES', 102_400, env),
    cookieName: optionalEnv('SESSION_COOKIE_NAME', env) ?? 'iPlanetDirectoryPro',
    secureCookie: optionalEnv('SESSION_COOKIE_SECURE', env) !== 'false',
    transactionTtlSeconds: intEnv('JOURNEY_TTL_SECONDS', 900, env),
    sessionTtlSeconds: intEnv('SESSION_TTL_SECONDS', 7200, env),
    // Where people go once signed in: SUCCESS_URL, else the hosted pages' summary (AM's own default path).
    successUrl: optionalEnv('SUCCESS_URL', env) ?? uiEnduser(env) ?? '/enduser/?realm=/alpha',
    // A claim on a step holds a little longer than the longest step (STEP_TIMEOUT_SECONDS, default 25).
    stepLeaseMs: stepTimeoutsFromEnv(env).leaseSeconds * 1000,
  };
}

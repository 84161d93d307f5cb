import { optionalEnv, requireEnv } from '../../shared/env.js';
import { vendorCallTimeoutMs } from '../../shared/timeouts.js';

/** iProov service-provider settings (seed 000: tenant + `/api/v2`, API key/secret, OAuth user). */
export interface IproovConfig {
  /** `https://{tenant}/api/v2`: IPROOV_BASE_URL */
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
  oauthUsername: string;
  oauthPassword: string;
  timeoutMs: number;
}

export function iproovConfigFromEnv(env: NodeJS.ProcessEnv = process.env): IproovConfig {
  return {
    baseUrl: requireEnv('IPROOV_BASE_URL', env).replace(/\/$/, ''),
    apiKey: requireEnv('IPROOV_API_KEY', env),
    apiSecret: requireEnv('IPROOV_API_SECRET', env),
    oauthUsername: requireEnv('IPROOV_OAUTH_USERNAME', env),
    oauthPassword: requireEnv('IPROOV_OAUTH_PASSWORD', env),
    timeoutMs: vendorCallTimeoutMs('IPROOV_TIMEOUT_MS', env),
  };
}

export const isIproovConfigured = (env: NodeJS.ProcessEnv = process.env): boolean =>
  optionalEnv('IPROOV_BASE_URL', env) !== undefined;

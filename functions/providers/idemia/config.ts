import { optionalEnv, requireEnv } from '../../shared/env.js';
import { vendorCallTimeoutMs } from '../../shared/timeouts.js';

/** IDEMIA IPA + GIPS connection settings (seed 003's "endpoint details" and the GIPS-RS API key). */
export interface IdemiaConfig {
  /** `…/oauth2/token` is appended: IDEMIA_COGNITO_URL */
  cognitoUrl: string;
  clientId: string;
  clientSecret: string;
  /** The "Create Session URL", e.g. https://rp-handler.did.idemia.io/api/v1/sessions */
  sessionUrl: string;
  /** e.g. https://rp-handler.did.idemia.io/api/v1/ipa/start */
  ipaStartUrl: string;
  /** The ID&V platform base, e.g. https://proofing.idemia.io (GET {gipsUrl}/gips/v1/identities/{id}) */
  gipsUrl: string;
  gipsApiKey: string;
  /** The IPA application id that end-of-process notifications must carry. */
  applicationId: string;
  /** Timeout of every call. */
  timeoutMs: number;
}

export function idemiaConfigFromEnv(env: NodeJS.ProcessEnv = process.env): IdemiaConfig {
  return {
    cognitoUrl: requireEnv('IDEMIA_COGNITO_URL', env),
    clientId: requireEnv('IDEMIA_CLIENT_ID', env),
    clientSecret: requireEnv('IDEMIA_CLIENT_SECRET', env),
    sessionUrl: requireEnv('IDEMIA_SESSION_URL', env),
    ipaStartUrl: requireEnv('IDEMIA_IPA_START_URL', env),
    gipsUrl: requireEnv('IDEMIA_GIPS_URL', env),
    gipsApiKey: requireEnv('IDEMIA_GIPS_API_KEY', env),
    applicationId: requireEnv('IDEMIA_APPLICATION_ID', env),
    timeoutMs: vendorCallTimeoutMs('IDEMIA_TIMEOUT_MS', env),
  };
}

export const isIdemiaConfigured = (env: NodeJS.ProcessEnv = process.env): boolean =>
  optionalEnv('IDEMIA_COGNITO_URL', env) !== undefined;

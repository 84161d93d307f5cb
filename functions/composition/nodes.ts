import { LambdaClient } from '../aws/lambda.js';
import { type Clock, systemClock } from '../contract/clock.js';
import type { ProofStore } from '../contract/data.js';
import type { NodeServices, PasswordHasher } from '../contract/nodes.js';
import { IdemiaClient } from '../providers/idemia/client.js';
import { idemiaConfigFromEnv, isIdemiaConfigured } from '../providers/idemia/config.js';
import { IproovClient } from '../providers/iproov/client.js';
import { iproovConfigFromEnv, isIproovConfigured } from '../providers/iproov/config.js';
import { AwsMessaging } from '../providers/messaging/aws.js';
import { lambdaMailer, type Mailer } from '../providers/messaging/deferred.js';
import type { MessagingPort } from '../providers/messaging/port.js';
import { optionalEnv } from '../shared/env.js';
import { localesFromEnv } from '../shared/locales.js';
import { termsFromEnv } from '../shared/terms.js';
import { AttemptRepository } from '../store/attempts.js';
import { type Store, storeFromEnv } from '../store/dynamo.js';
import { IpaSessionRepository } from '../store/ipa-sessions.js';
import { IproovClaimRepository } from '../store/iproov-claims.js';
import { S3ProofStore } from '../store/proofs.js';
import { ThrottleRepository, throttlePolicyFromEnv } from '../store/throttle.js';
import { legacyUsersRealmFromEnv, UserRepository } from '../store/users.js';

/**
 * The node functions' part of the composition root (root.ts re-exports it): apart, so that a node family's
 * bundle does not load the journey service, the engine and the QR renderer that the API's builders import.
 */
export interface Overrides {
  /** The tables (default: `storeFromEnv`, the Lambda's DynamoDB client and table names). */
  store?: Store;
  /** What time it is (default: the system clock). */
  clock?: Clock;
}

export interface NodeOverrides extends Overrides {
  /**
   * The password hasher (store/password-hasher.ts), given by the node entry points: it is not imported here
   * because its module hashes a dummy password with argon2 (a native addon shipped only beside the node
   * functions) when it loads, which the API and webhook bundles must not do.
   */
  passwords: PasswordHasher;
  /** Email and SMS (default: SES and SNS). */
  messaging?: MessagingPort;
  /** Where IDEMIA proof archives are kept (default: S3 when `PROOF_BUCKET` is set, else none). */
  proofs?: ProofStore;
  /** Email off the response path (default: an asynchronous invocation of this function, see identityNodeServices). */
  mailer?: Mailer;
}

const withoutSlash = (url: string | undefined): string | undefined => url?.replace(/\/$/, '');

/** The services of the node functions (what the environment does not configure stays undefined). */
export function nodeServices(env: NodeJS.ProcessEnv, overrides: NodeOverrides): NodeServices {
  return {
    ...commonNodeServices(env, overrides),
    ...identityNodeServices(env, overrides),
    ...idemiaNodeServices(env, overrides),
    ...iproovNodeServices(env),
  };
}

/**
 * The services every node family has: the tables' repositories, the password hasher, the public URLs, the
 * locales (`LOCALES`) and the terms and conditions (bundled; `TERMS_VERSION` picks the active version, default the latest). Each
 * family's function (functions/node-functions/<family>.ts) adds its vendor's below, so that its bundle holds
 * only the clients it uses (issue 10 §2: the identity family does not carry S3, SES, SNS, IDEMIA or iProov).
 */
export function commonNodeServices(
  env: NodeJS.ProcessEnv,
  overrides: Pick<NodeOverrides, 'store' | 'passwords' | 'clock'>,
): NodeServices {
  const store = overrides.store ?? storeFromEnv(env);
  const publicBaseUrl = withoutSlash(optionalEnv('PUBLIC_BASE_URL', env));
  const uiBaseUrl = withoutSlash(optionalEnv('UI_BASE_URL', env));
  return {
    clock: overrides.clock ?? systemClock,
    passwords: overrides.passwords,
    users: new UserRepository(store, legacyUsersRealmFromEnv(env)),
    attempts: new AttemptRepository(store),
    throttle: new ThrottleRepository(store, throttlePolicyFromEnv(env)),
    ipaSessions: new IpaSessionRepository(store),
    iproovClaims: new IproovClaimRepository(store),
    // The bundled terms and conditions; TERMS_VERSION picks the active version (default: the latest).
    terms: termsFromEnv(env),
    // The locales pages and messages are given in (LOCALES, default en,fr): the first is the fallback.
    locales: localesFromEnv(env),
    ...(publicBaseUrl ? { publicBaseUrl } : {}),
    ...(uiBaseUrl ? { uiBaseUrl } : {}),
  };
}

/**
 * The identity family's own service: the mailer of Email Suspend — by default an asynchronous invocation of the
 * function itself (`AWS_LAMBDA_FUNCTION_NAME`), which then sends with SES (`deliverMail`); without a function
 * name (not on Lambda) and no override, none.
 */
export function identityNodeServices(
  env: NodeJS.ProcessEnv,
  overrides: Pick<NodeOverrides, 'mailer'> = {},
): Pick<NodeServices, 'mailer'> {
  if (overrides.mailer) return { mailer: overrides.mailer };
  const self = optionalEnv('AWS_LAMBDA_FUNCTION_NAME', env);
  return self ? { mailer: lambdaMailer(new LambdaClient({}), self) } : {};
}

/** The IDEMIA family's own services: its client when configured, the proof archive, email and SMS. */
export function idemiaNodeServices(
  env: NodeJS.ProcessEnv,
  overrides: Pick<NodeOverrides, 'messaging' | 'proofs'> = {},
): Pick<NodeServices, 'idemia' | 'proofs' | 'messaging'> {
  const proofs = overrides.proofs ?? s3ProofStore(env);
  return {
    ...(isIdemiaConfigured(env) ? { idemia: new IdemiaClient(idemiaConfigFromEnv(env)) } : {}),
    ...(proofs ? { proofs } : {}),
    messaging: overrides.messaging ?? new AwsMessaging(optionalEnv('MESSAGING_EMAIL_FROM', env)),
  };
}

/** The iProov family's own service: its client when configured. */
export function iproovNodeServices(env: NodeJS.ProcessEnv): Pick<NodeServices, 'iproov'> {
  return isIproovConfigured(env) ? { iproov: new IproovClient(iproovConfigFromEnv(env)) } : {};
}

function s3ProofStore(env: NodeJS.ProcessEnv): ProofStore | undefined {
  const bucket = optionalEnv('PROOF_BUCKET', env);
  const kmsKeyArn = optionalEnv('PROOF_KMS_KEY_ARN', env);
  return bucket ? new S3ProofStore(bucket, kmsKeyArn ? { kmsKeyArn } : {}) : undefined;
}

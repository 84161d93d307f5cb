import type { Context } from 'aws-lambda';
import type { ApiConfig, ApiDeps } from '../api/app.js';
import { apiConfigFromEnv } from '../api/config.js';
import type { HttpEvent, HttpResult } from '../api/http.js';
import { LambdaClient } from '../aws/lambda.js';
import { SecretsManagerClient } from '../aws/secrets-manager.js';
import { systemClock } from '../contract/clock.js';
import { StepFunctionsEngine } from '../engine/aws.js';
import { JourneyService, type JourneyServiceConfig, type JourneyServiceDeps } from '../engine/journeys.js';
import type { EnginePort } from '../engine/port.js';
import type { OidcHandlerDeps } from '../oidc/app.js';
import { type OidcClientConfig, parseOidcClients } from '../oidc/clients.js';
import { secretKeySource, withClientSecrets } from '../oidc/cloud-secrets.js';
import type { KeySource } from '../oidc/keys.js';
import type { PagesDeps } from '../pages/app.js';
import { intEnv, optionalEnv, requireEnv } from '../shared/env.js';
import { AttemptRepository } from '../store/attempts.js';
import { storeFromEnv } from '../store/dynamo.js';
import { IpaSessionRepository } from '../store/ipa-sessions.js';
import { IproovClaimRepository } from '../store/iproov-claims.js';
import { SessionRepository } from '../store/sessions.js';
import { TransactionRepository } from '../store/transactions.js';
import { legacyUsersRealmFromEnv, UserRepository } from '../store/users.js';
import { createIdemiaWebhookHandler } from '../webhooks/idemia.js';
import { createIproovWebhookHandler } from '../webhooks/iproov.js';
import { lambdaResume, type Resume, signalling } from '../webhooks/resume.js';
import type { Overrides } from './nodes.js';

export {
  commonNodeServices,
  idemiaNodeServices,
  iproovNodeServices,
  type NodeOverrides,
  nodeServices,
  type Overrides,
} from './nodes.js';

/**
 * The composition root (DESIGN §9, issue 10 §1): the one place that turns an environment into the services of
 * every entry point — the node Lambdas, the API Lambda, the webhook Lambda and the embedded runtime
 * (infra/local/runtime.ts). A service added to NodeServices or to a handler's deps is added here, once, for
 * local and cloud alike.
 *
 * The cloud's pieces are the defaults; the embedded runtime passes its own as overrides (DynamoDB Local's
 * store, the embedded engine, the sandboxes' vendor settings, the outbox, the local proof store, background
 * resumes). Local-only modules (sandboxes, DynamoDB Local, infra/local) are never imported here, so they stay
 * out of the Lambda bundles; each builder constructs only what its entry point uses, so esbuild drops the rest.
 * The node functions' builders are in ./nodes.ts (re-exported here), whose imports are theirs only.
 */
export interface JourneyOverrides extends Overrides {
  /** Runs the journeys (default: Step Functions, `STATE_MACHINE_ARNS`). */
  engine?: EnginePort;
  /** Mark the session cookie Secure (default: apiConfigFromEnv's, Secure). */
  secureCookie?: boolean;
}

export interface WebhookOverrides extends JourneyOverrides {
  /** The journeys a webhook resumes (default: built here from the same environment and overrides). */
  journeys?: JourneyService;
  /**
   * How a webhook resumes the waiting journey once it has answered (default: an asynchronous invocation of
   * this Lambda function, `AWS_LAMBDA_FUNCTION_NAME`).
   */
  resume?: Resume;
}

/** The configuration of the API and of the journey service (one object: the runtime may complete it later). */
export function apiConfig(
  env: NodeJS.ProcessEnv,
  overrides: JourneyOverrides = {},
): ApiConfig & JourneyServiceConfig {
  return {
    ...apiConfigFromEnv(env),
    ...(overrides.secureCookie !== undefined ? { secureCookie: overrides.secureCookie } : {}),
  };
}

/** The journey service's dependencies. */
export function journeyServiceDeps(
  env: NodeJS.ProcessEnv,
  overrides: JourneyOverrides = {},
  config: JourneyServiceConfig = apiConfig(env, overrides),
): JourneyServiceDeps {
  const store = overrides.store ?? storeFromEnv(env);
  return {
    engine: overrides.engine ?? StepFunctionsEngine.fromEnv(env),
    clock: overrides.clock ?? systemClock,
    transactions: new TransactionRepository(store),
    sessions: new SessionRepository(store),
    users: new UserRepository(store, legacyUsersRealmFromEnv(env)),
    config,
  };
}

/** The API handler's dependencies: the journey service, the sessions and the configuration they share. */
export function apiDeps(
  env: NodeJS.ProcessEnv,
  overrides: JourneyOverrides = {},
): ApiDeps & { config: ApiConfig & JourneyServiceConfig } {
  const store = overrides.store ?? storeFromEnv(env);
  const config = apiConfig(env, overrides);
  const sessions = new SessionRepository(store);
  const journeys = new JourneyService({
    ...journeyServiceDeps(env, { ...overrides, store }, config),
    sessions,
  });
  return { journeys, sessions, config };
}

export interface PagesOverrides {
  store?: Overrides['store'];
  /** The journeys the console lists (default: `JOURNEYS`, comma-separated). */
  journeys?: readonly string[];
  /** The iProov sandbox's URL (local runtime): the pages play its face scans. */
  iproovSandboxUrl?: string;
}

/**
 * The hosted pages' dependencies (ADR 23): the sessions and users they read for `/enduser/`, and what the page
 * is told (realms, journeys, iProov's web SDK with a real tenant: `IPROOV_WEB_SDK_URL`, `IPROOV_BASE_URL`).
 */
export function pagesDeps(env: NodeJS.ProcessEnv, overrides: PagesOverrides = {}): PagesDeps {
  const store = overrides.store ?? storeFromEnv(env);
  const api = apiConfigFromEnv(env);
  const list = (value: string | undefined): string[] =>
    (value ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  const sdk = optionalEnv('IPROOV_WEB_SDK_URL', env);
  const iproovBase = optionalEnv('IPROOV_BASE_URL', env);
  const sessions = new SessionRepository(store);
  return {
    // Read only (its grants: GetItem on Sessions and Users).
    sessions: { find: (token) => sessions.find(token, { readOnly: true }) },
    users: new UserRepository(store, legacyUsersRealmFromEnv(env)),
    config: {
      realms: api.realms,
      journeys: overrides.journeys ?? list(optionalEnv('JOURNEYS', env)),
      cookieName: api.cookieName,
      ...(overrides.iproovSandboxUrl ? { iproovSandboxUrl: overrides.iproovSandboxUrl } : {}),
      ...(sdk ? { iproovWebSdkUrl: sdk } : {}),
      ...(sdk && iproovBase ? { iproovBaseUrl: iproovBase } : {}),
    },
  };
}

type WebhookRoute = (event: HttpEvent) => Promise<HttpResult>;

/** The webhook handlers' dependencies: one route per configured vendor, and the journeys they resume. */
export function webhookDeps(
  env: NodeJS.ProcessEnv,
  overrides: WebhookOverrides = {},
): { journeys: JourneyService; routes: { idemia?: WebhookRoute; iproov: WebhookRoute } } {
  const store = overrides.store ?? storeFromEnv(env);
  const journeys = overrides.journeys ?? new JourneyService(journeyServiceDeps(env, { ...overrides, store }));
  // Answer the vendor first; the journey is resumed afterwards.
  // The event is signalled on the transaction first: its polls run the journey again only after a signal.
  const resume = signalling(
    new TransactionRepository(store),
    overrides.resume ?? lambdaResume(new LambdaClient({}), requireEnv('AWS_LAMBDA_FUNCTION_NAME', env)),
  );
  const applicationId = optionalEnv('IDEMIA_APPLICATION_ID', env);
  const idemia = applicationId
    ? createIdemiaWebhookHandler({ ipaSessions: new IpaSessionRepository(store), applicationId, resume })
    : undefined;
  const iproov = createIproovWebhookHandler({ claims: new IproovClaimRepository(store), resume });
  return {
    journeys,
    routes: {
      ...(idemia ? { idemia: (event: HttpEvent) => idemia(event, {} as Context) } : {}),
      iproov: (event: HttpEvent) => iproov(event, {} as Context),
    },
  };
}

export interface OidcOverrides extends JourneyOverrides {
  /** Where the provider's keys live (default: the secret `OIDC_KEYS_SECRET_ARN`). */
  keys?: KeySource;
  /** The issuer's public origin (default: `PUBLIC_BASE_URL`, else the origin API Gateway was called at). */
  publicBaseUrl?: () => string | undefined;
  /** Clients besides those of `OIDC_CLIENTS` (the local runtime's demo client). */
  extraClients?: readonly OidcClientConfig[];
}

/**
 * The OpenID Provider's dependencies (ADR 24): clients from `OIDC_CLIENTS` (their secrets, in the cloud, from the
 * secrets `OIDC_CLIENT_SECRET_ARNS` names), keys from their source, the sign-in sessions and users it mirrors.
 */
export async function oidcDeps(
  env: NodeJS.ProcessEnv,
  overrides: OidcOverrides = {},
): Promise<OidcHandlerDeps> {
  const store = overrides.store ?? storeFromEnv(env);
  const api = apiConfig(env, overrides);
  const secrets = new SecretsManagerClient({});
  const keys = overrides.keys ?? secretKeySource(secrets, requireEnv('OIDC_KEYS_SECRET_ARN', env));
  const configured = parseOidcClients(optionalEnv('OIDC_CLIENTS', env), api.realms);
  const clients = await withClientSecrets(
    [...configured, ...(overrides.extraClients ?? [])],
    optionalEnv('OIDC_CLIENT_SECRET_ARNS', env),
    secrets,
  );
  const publicBaseUrl = optionalEnv('PUBLIC_BASE_URL', env)?.replace(/\/$/, '');
  const pagesUrl = optionalEnv('UI_BASE_URL', env)?.replace(/\/$/, '');
  return {
    store,
    sessions: new SessionRepository(store),
    users: new UserRepository(store, legacyUsersRealmFromEnv(env)),
    attempts: new AttemptRepository(store),
    clients,
    keys: await keys.load(),
    config: {
      realms: api.realms,
      cookieName: api.cookieName,
      secureCookie: api.secureCookie,
      defaultJourney: api.defaultJourney,
      ...(pagesUrl ? { pagesUrl } : {}),
      // No framework is claimed by default: a value of Proofline's own, with IDEMIA's levels (LOA1..LOA4).
      trustFramework: optionalEnv('IDA_TRUST_FRAMEWORK', env) ?? 'proofline_idemia_ipa',
      accessTokenSeconds: intEnv('OIDC_ACCESS_TOKEN_SECONDS', 3600, env),
    },
    publicBaseUrl: overrides.publicBaseUrl ?? (() => publicBaseUrl),
  };
}

import middy from '@middy/core';
import { stringifySetCookie } from 'cookie';
import type { SessionIdentity } from '../contract/journey.js';
import {
  InvalidAuthIdError,
  InvalidSuspendedIdError,
  JourneyFailedError,
  JourneyRequestError,
  RetryLaterError,
  StepConflictError,
} from '../engine/errors.js';
import type { JourneyService, StepResponse } from '../engine/journeys.js';
import { preferredLocales } from '../nodes/messages.js';
import { isJsonObject } from '../shared/json.js';
import { logger } from '../shared/logger.js';
import type { SessionRepository } from '../store/sessions.js';
import { HttpError } from './errors.js';
import {
  amError,
  cookie,
  type Endpoint,
  type HttpEvent,
  type HttpResult,
  httpBasics,
  json,
  jsonBody,
  router,
} from './http.js';

export interface ApiConfig {
  /** Realms served besides root (`/json/realms/root/realms/{realm}/…`). */
  realms: readonly string[];
  /** Journey run when a client does not name one (AM: the realm's default tree). */
  defaultJourney: string;
  maxBodyBytes: number;
  /** Name of the session cookie and header (AM's `iPlanetDirectoryPro`). */
  cookieName: string;
  /** Mark the session cookie Secure (off only for plain-HTTP local development). */
  secureCookie: boolean;
}

export interface ApiDeps {
  journeys: JourneyService;
  sessions: SessionRepository;
  config: ApiConfig;
}

/** A realm's name in a path (`/json/realms/root/realms/{realm}/…`). */
const REALM = /^[A-Za-z0-9_-]+$/;

function checkApiVersion(event: HttpEvent): void {
  const value = event.headers['accept-api-version'];
  if (!value) return;
  const protocol = /protocol=(\d+)(?:\.\d+)?/.exec(value)?.[1];
  if (protocol !== undefined && protocol !== '1') {
    throw new HttpError(
      400,
      `Unsupported Accept-API-Version protocol ${protocol}; this server speaks protocol=1.0`,
    );
  }
}

function stepResult(response: StepResponse, deps: ApiDeps): HttpResult {
  switch (response.type) {
    case 'step': {
      const { type: _type, ...body } = response;
      return json(200, body);
    }
    case 'success': {
      const { type: _type, ...body } = response;
      const session = stringifySetCookie(deps.config.cookieName, response.tokenId, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: deps.config.secureCookie,
      });
      return json(200, body, { cookies: [session] });
    }
    case 'failure':
      return amError(401, response.message, { failureUrl: '' });
  }
}

/** The session token a request carries, as AM takes it: the `iPlanetDirectoryPro` header, else the cookie. */
function sessionToken(event: HttpEvent, deps: ApiDeps): string | undefined {
  return event.headers[deps.config.cookieName.toLowerCase()] ?? cookie(event, deps.config.cookieName);
}

/**
 * Who the request's session belongs to, for the journey's nodes (Get Session Data): null without a token, or
 * with one that is malformed, unknown, expired or of another realm — never an error. Only the user's id and
 * name go on; the token stays here.
 */
async function requestSession(
  event: HttpEvent,
  realm: string,
  deps: ApiDeps,
): Promise<SessionIdentity | null> {
  const token = sessionToken(event, deps);
  const session = token ? await deps.sessions.find(token) : undefined;
  if (!session || session.realm !== realm) return null;
  return { userId: session.userId, userName: session.userName };
}

async function authenticate(event: HttpEvent, realm: string, deps: ApiDeps): Promise<HttpResult> {
  const query = event.queryStringParameters ?? {};
  const indexType = query.authIndexType;
  if (indexType !== undefined && indexType !== 'service') {
    throw new HttpError(400, `authIndexType ${indexType} is not supported; use authIndexType=service`);
  }
  const journey = query.authIndexValue;
  // The client's languages, ranked: each step is given in the first configured one (nodes/run.ts).
  const locale = preferredLocales(event.headers['accept-language']);
  // The address API Gateway saw (the local server: the socket's), never a client-supplied X-Forwarded-For.
  const clientIp = event.requestContext.http.sourceIp;
  const body = jsonBody(event, deps.config.maxBodyBytes);
  if (body !== undefined && !isJsonObject(body))
    throw new HttpError(400, 'Request body must be a JSON object');
  // The client proves its session on every step (it is never stored with the journey); read only when the step
  // runs an execution.
  const session = () => requestSession(event, realm, deps);
  // A suspended journey's link (AM's suspendedId; the SDK's FRAuth.resume): the id alone resumes it.
  const suspendedId = query.suspendedId;
  if (suspendedId !== undefined) {
    if (suspendedId.length > 200) throw new HttpError(400, 'suspendedId is too long');
    return stepResult(
      await deps.journeys.resumeByLink(realm, journey, suspendedId, {
        ...(locale ? { locale } : {}),
        clientIp,
        session,
      }),
      deps,
    );
  }
  if (body === undefined || body.authId === undefined) {
    if (body?.callbacks !== undefined) throw new HttpError(400, 'Callbacks were submitted without an authId');
    return stepResult(
      await deps.journeys.start(journey ?? deps.config.defaultJourney, realm, { locale, clientIp, session }),
      deps,
    );
  }
  // A user back from an external redirect (the ForgeRock SDK's FRAuth.resume posts `code` and `state`).
  const returnCode =
    typeof query.code === 'string' && /^[A-Za-z0-9_-]{16,128}$/.test(query.code) ? query.code : undefined;
  return stepResult(
    await deps.journeys.submit(realm, journey, body, {
      ...(locale ? { locale } : {}),
      ...(returnCode ? { returnCode } : {}),
      clientIp,
      session,
    }),
    deps,
  );
}

async function sessions(event: HttpEvent, realm: string, deps: ApiDeps): Promise<HttpResult> {
  const action = event.queryStringParameters?._action;
  const body = jsonBody(event, deps.config.maxBodyBytes);
  const fromBody =
    typeof body === 'object' && body !== null && 'tokenId' in body
      ? (body as { tokenId: unknown }).tokenId
      : undefined;
  const token = sessionToken(event, deps) ?? (typeof fromBody === 'string' ? fromBody : undefined);
  if (action === 'validate') {
    const session = token ? await deps.sessions.find(token) : undefined;
    if (!session || session.realm !== realm) return json(200, { valid: false });
    return json(200, {
      valid: true,
      sessionUid: session.id.slice(0, 32),
      uid: session.userName,
      realm: realm === 'root' ? '/' : `/${realm}`,
    });
  }
  if (action === 'logout') {
    const session = token ? await deps.sessions.find(token) : undefined;
    if (!token || !session || session.realm !== realm) throw new HttpError(401, 'Access Denied');
    await deps.sessions.delete(token);
    return json(
      200,
      { result: 'Successfully logged out' },
      { cookies: [stringifySetCookie(deps.config.cookieName, '', { path: '/', maxAge: 0 })] },
    );
  }
  throw new HttpError(
    400,
    `Unsupported _action ${action ?? '(none)'}; use _action=validate or _action=logout`,
  );
}

/** Maps protocol and HTTP errors to AM's error shape; anything unexpected is a logged, opaque 500. */
const amErrors = (): middy.MiddlewareObj<HttpEvent, HttpResult> => ({
  onError: async function amErrorsOnError(request) {
    const error = request.error;
    if (error instanceof HttpError && error.expose) {
      request.response = amError(error.statusCode, error.message, error.detail);
    } else if (
      error instanceof InvalidAuthIdError ||
      error instanceof InvalidSuspendedIdError ||
      error instanceof JourneyFailedError
    ) {
      request.response = amError(401, error.message, { failureUrl: '' });
    } else if (error instanceof RetryLaterError) {
      const response = amError(error.statusCode, error.message);
      request.response = {
        ...response,
        headers: { ...response.headers, 'retry-after': String(error.retryAfterSeconds) },
      };
    } else if (error instanceof StepConflictError) {
      request.response = amError(409, error.message);
    } else if (error instanceof JourneyRequestError) {
      request.response = amError(error.statusCode, error.message);
    } else {
      logger.error('Unhandled error', { error: error as Error, path: request.event.rawPath });
      request.response = amError(500, 'Internal Server Error');
    }
  },
});

type RealmEndpoint = (event: HttpEvent, realm: string, deps: ApiDeps) => Promise<HttpResult>;

/** The callbacks API (AM's `/json/…/authenticate` and `/sessions`) as an API Gateway HTTP API handler. */
export function createApiHandler(deps: ApiDeps) {
  const realms = new Set(deps.config.realms);
  const inRealm =
    (endpoint: RealmEndpoint) =>
    async (event: HttpEvent): Promise<HttpResult> => {
      const realm = event.pathParameters?.realm ?? 'root';
      if (!REALM.test(realm)) throw new HttpError(404, `No endpoint at ${event.rawPath}`);
      if (realm !== 'root' && !realms.has(realm)) throw new HttpError(404, `Realm ${realm} not found`);
      checkApiVersion(event);
      return endpoint(event, realm, deps);
    };
  const endpoints: Endpoint[] = ['/json/realms/root', '/json/realms/root/realms/{realm}'].flatMap((base) => [
    { method: 'POST', path: `${base}/authenticate`, handler: inRealm(authenticate) },
    { method: 'POST', path: `${base}/sessions`, handler: inRealm(sessions) },
  ]);
  return middy<HttpEvent, HttpResult>().use(httpBasics()).use(amErrors()).handler(router(endpoints));
}

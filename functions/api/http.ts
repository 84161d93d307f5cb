import type middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpRouterHandler, { type Method, type Route } from '@middy/http-router';
import httpSecurityHeaders from '@middy/http-security-headers';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { parseCookie } from 'cookie';
import { HttpError, REASONS } from './errors.js';

/**
 * The HTTP layer shared by the callbacks API, the webhooks and the endpoints to come (ADR 16): API Gateway HTTP
 * API (payload 2.0) events, middy's router and middlewares, the `cookie` package. What stays here by hand is
 * Proofline's own: the response shapes, and the body limit with its 413/400 answers.
 */
export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

const JSON_HEADERS = {
  'content-type': 'application/json',
  'cache-control': 'no-cache, no-store, must-revalidate',
};

export function json(statusCode: number, body: unknown, extra: Partial<HttpResult> = {}): HttpResult {
  return {
    statusCode,
    headers: { ...JSON_HEADERS, ...(extra.headers ?? {}) },
    body: JSON.stringify(body),
    ...(extra.cookies ? { cookies: extra.cookies } : {}),
  };
}

/** AM's error body: `{code, reason, message, detail?}`. */
export function amError(statusCode: number, message: string, detail?: Record<string, unknown>): HttpResult {
  return json(statusCode, {
    code: statusCode,
    reason: REASONS[statusCode] ?? 'Error',
    message,
    ...(detail ? { detail } : {}),
  });
}

/**
 * The middlewares every HTTP function runs first: header names lower-cased (`event.headers['accept-language']`
 * whatever the client wrote), and the security headers of a JSON API on every answer, errors included.
 * Use them before the function's error renderer, so that the headers are added to the error it renders.
 */
export const httpBasics = (): middy.MiddlewareObj<HttpEvent, HttpResult>[] => [
  httpHeaderNormalizer(),
  httpSecurityHeaders({
    // Kept: X-Content-Type-Options: nosniff, Strict-Transport-Security, Referrer-Policy: no-referrer (the
    // HTML-only ones, CSP and X-Frame-Options among them, apply to text/html answers only).
    dnsPrefetchControl: false,
    downloadOptions: false,
    originAgentCluster: false,
    permittedCrossDomainPolicies: false,
    // Its default writes `Server` and `X-Powered-By` as undefined entries; neither is ever set here.
    poweredBy: false,
    // Its default writes an empty `Reporting-Endpoints` header (not in the typings).
    ...({ reportingEndpoints: false } as object),
  }) as middy.MiddlewareObj<HttpEvent, HttpResult>,
];

/** Every method @middy/http-router routes (router() answers any other method 405). */
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'] as const;

export interface Endpoint {
  method: (typeof METHODS)[number];
  /** A path with `{name}` segments (one segment each, in `event.pathParameters`); validate them in `handler`. */
  path: string;
  handler: (event: HttpEvent) => Promise<HttpResult>;
}

/**
 * Routes by method and path with @middy/http-router (a trailing slash is optional). Thrown as HttpErrors for
 * the function's error renderer: a known path asked with another method is a 405, an unknown path a 404.
 */
export function router(endpoints: readonly Endpoint[]): (event: HttpEvent) => Promise<HttpResult> {
  const allowed = new Map<string, Endpoint[]>();
  for (const endpoint of endpoints)
    allowed.set(endpoint.path, [...(allowed.get(endpoint.path) ?? []), endpoint]);
  const routes: Route<HttpEvent, HttpResult>[] = [];
  for (const [path, served] of allowed) {
    const use = served.map((e) => e.method).join(', ');
    for (const method of METHODS) {
      const handler =
        served.find((e) => e.method === method)?.handler ??
        (async (): Promise<never> => {
          throw new HttpError(405, `${method} is not supported here; use ${use}`);
        });
      routes.push({ method: method as Method, path, handler });
    }
  }
  const route = httpRouterHandler<HttpEvent, HttpResult>({
    routes,
    notFoundResponse: ({ method, path }) => {
      if (!(METHODS as readonly string[]).includes(method))
        throw new HttpError(405, `${method} is not supported`);
      throw new HttpError(404, `No endpoint at ${path}`);
    },
  });
  return async (event) => (await route(event, {} as never)) as HttpResult;
}

/**
 * A cookie's value (the `cookie` package: percent-decoded when that is valid, the first of equal names), from
 * the `cookies` of the event or its `cookie` header (header names normalized, see httpBasics).
 */
export function cookie(event: HttpEvent, name: string): string | undefined {
  const header = [...(event.cookies ?? []), ...(event.headers?.cookie ? [event.headers.cookie] : [])];
  return header.length > 0 ? parseCookie(header.join('; '))[name] : undefined;
}

/** The raw body as text (HTTP APIs base64-encode binary bodies). */
function bodyText(event: HttpEvent): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/**
 * The body parsed as JSON (undefined when empty), thrown as HttpErrors: 413 over `maxBytes`, 400 when it is not
 * JSON. (@middy/http-json-body-parser answers both 415 and requires a body and a JSON content type: ADR 16.)
 */
export function jsonBody(event: HttpEvent, maxBytes: number): unknown {
  const text = bodyText(event);
  if (Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw new HttpError(413, `Request body is larger than ${maxBytes} bytes`);
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'Request body is not valid JSON');
  }
}

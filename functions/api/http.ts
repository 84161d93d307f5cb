import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { REASONS } from './errors.js';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

const JSON_HEADERS = {
  'content-type': 'application/json',
  'cache-control': 'no-cache, no-store, must-revalidate',
  'x-content-type-options': 'nosniff',
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

export function header(event: HttpEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** A cookie's value, percent-decoded; a value that is not valid percent-encoding is no value (skipped). */
export function cookie(event: HttpEvent, name: string): string | undefined {
  const all = [...(event.cookies ?? []), ...(header(event, 'cookie')?.split(';') ?? [])];
  for (const entry of all) {
    const [key, ...rest] = entry.trim().split('=');
    if (key !== name) continue;
    try {
      return decodeURIComponent(rest.join('='));
    } catch {
      // URIError: a client's malformed cookie, not a server error.
    }
  }
  return undefined;
}

/** The raw body as text (HTTP APIs base64-encode binary bodies). */
export function bodyText(event: HttpEvent): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

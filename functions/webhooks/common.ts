import type middy from '@middy/core';
import { HttpError } from '../api/errors.js';
import { type HttpEvent, type HttpResult, json, jsonBody } from '../api/http.js';
import { isJsonObject, type JsonObject } from '../shared/json.js';
import { logger } from '../shared/logger.js';

/** Webhook errors: `{code, message}` with the HTTP status; never a 5XX for a caller's mistake. */
export const problem = (statusCode: number, message: string): HttpResult =>
  json(statusCode, { code: statusCode, message });

/** Renders HttpErrors (routing, body) as problems; anything unexpected is a logged, opaque 500. */
export const problems = (): middy.MiddlewareObj<HttpEvent, HttpResult> => ({
  onError: async function problemsOnError(request) {
    const error = request.error;
    if (error instanceof HttpError && error.expose) {
      request.response = problem(error.statusCode, error.message);
    } else {
      logger.error('Unhandled webhook error', { error: error as Error, path: request.event.rawPath });
      request.response = problem(500, 'Internal Server Error');
    }
  },
});

/** A webhook's JSON object body; otherwise an HttpError (413 over `maxBytes`, 400 for anything else). */
export function jsonObjectBody(event: HttpEvent, maxBytes: number): JsonObject {
  const body = jsonBody(event, maxBytes);
  if (body === undefined) throw new HttpError(400, 'Request body is not valid JSON');
  if (!isJsonObject(body)) throw new HttpError(400, 'Body must be a JSON object');
  return body;
}

/** A webhook's `{key}` path segment (per session or claim, base64url), or undefined when it cannot be one. */
export function pathKey(event: HttpEvent): string | undefined {
  const key = event.pathParameters?.key;
  return key !== undefined && /^[A-Za-z0-9_-]{20,100}$/.test(key) ? key : undefined;
}

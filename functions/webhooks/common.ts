import { bodyText, type HttpEvent, type HttpResult, json } from '../api/http.js';
import { isJsonObject, type JsonObject } from '../shared/json.js';

/** Webhook errors: `{code, message}` with the HTTP status; never a 5XX for a caller's mistake. */
export const problem = (statusCode: number, message: string): HttpResult =>
  json(statusCode, { code: statusCode, message });

/** A webhook's JSON object body, or the 4XX that says what is wrong with it. */
export function jsonObjectBody(
  event: HttpEvent,
  maxBytes: number,
): { body: JsonObject; refused?: never } | { refused: HttpResult } {
  if (event.requestContext.http.method !== 'POST') return { refused: problem(405, 'Use POST') };
  const text = bodyText(event);
  if (Buffer.byteLength(text) > maxBytes)
    return { refused: problem(413, `Body larger than ${maxBytes} bytes`) };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { refused: problem(400, 'Body is not valid JSON') };
  }
  return isJsonObject(body) ? { body } : { refused: problem(400, 'Body must be a JSON object') };
}

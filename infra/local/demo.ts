import { readFileSync } from 'node:fs';
import type { HttpHandler } from './http-server.js';

const page = readFileSync(new URL('./public/index.html', import.meta.url), 'utf8');

const escapeAttribute = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/'/g, '&#39;').replace(/</g, '&lt;');

/** `GET /`: a page that runs any journey through the callbacks API and renders whatever step comes back. */
export function demoHandler(journeys: readonly string[]): HttpHandler {
  const notFound = (path: string) => ({
    statusCode: 404,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: 404, reason: 'Not Found', message: `No endpoint at ${path}` }),
  });
  const html = page.replace(
    '<meta charset="utf-8">',
    `<meta charset="utf-8">\n<meta name="journeys" content='${escapeAttribute(JSON.stringify(journeys))}'>`,
  );
  return async (event) => {
    if (event.rawPath !== '/' || event.requestContext.http.method !== 'GET') {
      return notFound(event.rawPath);
    }
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy':
          "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
        'cache-control': 'no-store',
      },
      body: html,
    };
  };
}

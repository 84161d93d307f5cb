import { readFileSync } from 'node:fs';
import type { HttpResult } from '../../functions/api/http.js';
import type { HttpHandler } from './http-server.js';

const file = (name: string): string => readFileSync(new URL(`./sample-app/${name}`, import.meta.url), 'utf8');
const FILES = new Map([
  ['/sample-app/', { type: 'text/html; charset=utf-8', body: file('index.html') }],
  ['/sample-app/app.js', { type: 'text/javascript; charset=utf-8', body: file('app.js') }],
  ['/sample-app/app.css', { type: 'text/css; charset=utf-8', body: file('app.css') }],
]);

/**
 * `GET /sample-app/` (local only): a relying party of `npm start`'s demo client `proofline-demo` — authorization
 * code + PKCE in the browser against the OpenID Provider, then the ID token's claims and userinfo.
 */
export function sampleAppHandler(): HttpHandler {
  return async (event): Promise<HttpResult> => {
    const path = event.rawPath === '/sample-app' ? '/sample-app/' : event.rawPath;
    const found = FILES.get(path);
    const method = event.requestContext.http.method;
    if (!found || (method !== 'GET' && method !== 'HEAD')) {
      return {
        statusCode: 404,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: 404, reason: 'Not Found', message: `No endpoint at ${event.rawPath}` }),
      };
    }
    return {
      statusCode: 200,
      headers: {
        'content-type': found.type,
        'cache-control': 'no-store',
        'content-security-policy':
          "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        'referrer-policy': 'no-referrer',
      },
      body: found.body,
    };
  };
}

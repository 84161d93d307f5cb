import { readFileSync } from 'node:fs';
import type { HttpResult } from '../../functions/api/http.js';
import type { OutboxMessaging } from '../../functions/providers/messaging/port.js';
import type { HttpHandler } from './http-server.js';

const asset = (name: string): string => readFileSync(new URL(`./public/${name}`, import.meta.url), 'utf8');
const page = asset('index.html');
/** The page's script and style, as files: its CSP allows no inline code. */
const ASSETS = new Map([
  ['/demo.js', { type: 'text/javascript; charset=utf-8', body: asset('demo.js') }],
  ['/demo.css', { type: 'text/css; charset=utf-8', body: asset('demo.css') }],
]);

const escapeAttribute = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/'/g, '&#39;').replace(/</g, '&lt;');

/**
 * `GET /`: a page that runs any journey through the callbacks API and renders whatever step comes back. With
 * the iProov sandbox, its iProov steps get buttons that play the face scan there (the page may call it).
 */
export function demoHandler(
  journeys: readonly string[],
  options: { iproovSandboxUrl?: string } = {},
): HttpHandler {
  const notFound = (path: string) => ({
    statusCode: 404,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: 404, reason: 'Not Found', message: `No endpoint at ${path}` }),
  });
  const sandbox = options.iproovSandboxUrl;
  const meta = [
    `<meta name="journeys" content='${escapeAttribute(JSON.stringify(journeys))}'>`,
    ...(sandbox ? [`<meta name="iproov-sandbox" content='${escapeAttribute(sandbox)}'>`] : []),
  ];
  const html = page.replace('<meta charset="utf-8">', `<meta charset="utf-8">\n${meta.join('\n')}`);
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    // IDEMIA's QR code is an SVG data URL.
    "img-src 'self' data:",
    `connect-src 'self'${sandbox ? ` ${sandbox}` : ''}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');
  return async (event): Promise<HttpResult> => {
    const method = event.requestContext.http.method;
    if (method !== 'GET' && method !== 'HEAD') return notFound(event.rawPath);
    const file = ASSETS.get(event.rawPath);
    if (file) {
      return {
        statusCode: 200,
        headers: { 'content-type': file.type, 'cache-control': 'no-cache' },
        body: file.body,
      };
    }
    if (event.rawPath !== '/') return notFound(event.rawPath);
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': csp,
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
      },
      body: html,
    };
  };
}

/** `GET /outbox`: email and SMS the local runtime "sent", newest first, as JSON (for tests) or HTML. */
export function outboxHandler(outbox: OutboxMessaging): HttpHandler {
  return async (event): Promise<HttpResult> => {
    if (event.rawPath !== '/outbox' && event.rawPath !== '/outbox/') {
      return {
        statusCode: 404,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: 404, reason: 'Not Found', message: `No endpoint at ${event.rawPath}` }),
      };
    }
    const entries = [...outbox.entries].reverse();
    const wantsHtml = (event.headers.accept ?? '').includes('text/html');
    if (!wantsHtml) {
      return {
        statusCode: 200,
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
        body: JSON.stringify(entries),
      };
    }
    const escapeHtml = (value: string): string =>
      value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const items = entries
      .map(
        (e) =>
          `<li><b>${e.channel}</b> to ${escapeHtml(e.to)} at ${e.sentAt}${e.subject ? ` — ${escapeHtml(e.subject)}` : ''}<pre>${escapeHtml(e.text)}</pre></li>`,
      )
      .join('');
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
        'x-frame-options': 'DENY',
        'cache-control': 'no-store',
      },
      body: `<!doctype html><html><head><meta charset="utf-8"><title>Outbox</title></head><body><h1>Outbox</h1><ul>${items || '<li>Nothing sent yet.</li>'}</ul></body></html>`,
    };
  };
}

import { readFileSync } from 'node:fs';
import type { OutboxMessaging } from '../../functions/providers/messaging/port.js';
import type { HttpHandler } from './http-server.js';

const page = readFileSync(new URL('./public/index.html', import.meta.url), 'utf8');

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
    "script-src 'unsafe-inline'",
    "style-src 'unsafe-inline'",
    // IDEMIA's QR code is an SVG data URL.
    "img-src 'self' data:",
    `connect-src 'self'${sandbox ? ` ${sandbox}` : ''}`,
  ].join('; ');
  return async (event) => {
    if (event.rawPath !== '/' || event.requestContext.http.method !== 'GET') {
      return notFound(event.rawPath);
    }
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': csp,
        'cache-control': 'no-store',
      },
      body: html,
    };
  };
}

/** `GET /outbox`: email and SMS the local runtime "sent", newest first, as JSON (for tests) or HTML. */
export function outboxHandler(outbox: OutboxMessaging): HttpHandler {
  return async (event) => {
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
      headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
      body: `<!doctype html><html><head><meta charset="utf-8"><title>Outbox</title></head><body><h1>Outbox</h1><ul>${items || '<li>Nothing sent yet.</li>'}</ul></body></html>`,
    };
  };
}

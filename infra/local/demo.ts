import type { HttpResult } from '../../functions/api/http.js';
import type { OutboxMessaging } from '../../functions/providers/messaging/port.js';
import { escapeHtml } from '../../functions/shared/html.js';
import type { HttpHandler } from './http-server.js';

// The pages people open (`/`, `/enduser/`, the developer console at `/console`) are the hosted pages:
// functions/pages/ (ADR 23). What stays here is local only.

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

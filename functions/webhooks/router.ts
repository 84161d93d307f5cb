import type { HttpEvent, HttpResult } from '../api/http.js';
import { problem } from './common.js';

type Handler = (event: HttpEvent) => Promise<HttpResult>;

/**
 * `/webhooks/…`: one function for every vendor's webhooks, routed by the vendor's prefix. A vendor that is not
 * configured answers 404, like an unknown path.
 */
export function routeWebhooks(routes: { idemia?: Handler; iproov?: Handler }): Handler {
  return async (event) => {
    const vendor = /^\/webhooks\/([a-z]+)\//.exec(event.rawPath)?.[1];
    const handler = vendor === 'idemia' || vendor === 'iproov' ? routes[vendor] : undefined;
    return handler ? handler(event) : problem(404, `No endpoint at ${event.rawPath}`);
  };
}

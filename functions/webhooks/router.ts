import middy from '@middy/core';
import { type Endpoint, type HttpEvent, type HttpResult, httpBasics, router } from '../api/http.js';
import { problems } from './common.js';

type Handler = (event: HttpEvent) => Promise<HttpResult>;

/**
 * `/webhooks/…`: one function for every vendor's webhooks, routed by @middy/http-router (ADR 16). A vendor that
 * is not configured answers 404, like an unknown path; another method than POST on a vendor's path, 405.
 */
export function routeWebhooks(routes: { idemia?: Handler; iproov?: Handler }): Handler {
  const endpoints: Endpoint[] = [
    ...(routes.idemia
      ? [{ method: 'POST', path: '/webhooks/idemia/ipa/{key}', handler: routes.idemia } as const]
      : []),
    ...(routes.iproov
      ? [{ method: 'POST', path: '/webhooks/iproov/{key}', handler: routes.iproov } as const]
      : []),
  ];
  const handler = middy<HttpEvent, HttpResult>().use(httpBasics()).use(problems()).handler(router(endpoints));
  return (event) => handler(event, {} as never);
}

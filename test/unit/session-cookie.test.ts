import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createApiHandler } from '../../functions/api/app.js';
import { apiConfigFromEnv } from '../../functions/api/config.js';
import type { HttpEvent, HttpResult } from '../../functions/api/http.js';
import type { JourneyService, StepResponse } from '../../functions/engine/journeys.js';
import type { SessionRepository } from '../../functions/store/sessions.js';

/** The session cookie the API Lambda sets, with the cloud configuration (ASVS V3.4). */
const success: StepResponse = { type: 'success', tokenId: 'a'.repeat(43), successUrl: '/', realm: '/alpha' };

function event(): HttpEvent {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/json/realms/root/realms/alpha/authenticate',
    rawQueryString: 'authIndexValue=Login',
    queryStringParameters: { authIndexValue: 'Login' },
    headers: { 'content-type': 'application/json' },
    isBase64Encoded: false,
    requestContext: {
      http: { method: 'POST', path: '/json/realms/root/realms/alpha/authenticate', sourceIp: '192.0.2.1' },
    },
  } as unknown as HttpEvent;
}

describe('the session cookie in the cloud (apiConfigFromEnv)', () => {
  it('is Secure unless SESSION_COOKIE_SECURE is "false"', () => {
    expect(apiConfigFromEnv({}).secureCookie).toBe(true);
    expect(apiConfigFromEnv({ SESSION_COOKIE_SECURE: 'true' }).secureCookie).toBe(true);
    expect(apiConfigFromEnv({ SESSION_COOKIE_SECURE: 'false' }).secureCookie).toBe(false);
  });

  it('is set HttpOnly, SameSite=Lax, Secure, Path=/ on a successful journey', async () => {
    const journeys = { start: async () => success } as unknown as JourneyService;
    const handler = createApiHandler({
      journeys,
      sessions: {} as SessionRepository,
      config: apiConfigFromEnv({}),
    });

    const result = (await handler(event(), {} as Context)) as HttpResult;

    expect(result.statusCode).toBe(200);
    expect(result.cookies).toEqual([
      `iPlanetDirectoryPro=${'a'.repeat(43)}; Path=/; HttpOnly; Secure; SameSite=Lax`,
    ]);
    expect(result.headers?.['cache-control']).toBe('no-cache, no-store, must-revalidate');
  });
});

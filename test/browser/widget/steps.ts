import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { fill, PASSWORD, registrationValues, type Step } from '../../integration/am-client.js';
import { oauthRequests } from './harness.js';

/** What the sample app reads from the Widget once a journey has ended. */
export interface Ended {
  journey: { successful: boolean; error: unknown; response: unknown };
  oauth: { successful: boolean; error: unknown; response: Record<string, unknown> | null };
  user: { successful: boolean; error: unknown; response: Record<string, unknown> | null };
}

/**
 * Waits until the Widget has finished what it does after a journey — the session, then its default OAuth flow
 * (authorize in a hidden iframe with prompt=none, PKCE, /access_token), then /userinfo — and returns the events.
 */
export async function widgetDone(page: Page, timeout = 60_000): Promise<Ended> {
  await waitOrExplain(page, timeout, () =>
    page.waitForFunction(
      () => {
        type Flag = { completed: boolean; successful: boolean };
        const last = (
          globalThis as unknown as { widgetApp: { last?: { journey: Flag; oauth: Flag; user: Flag } } }
        ).widgetApp.last;
        if (!last) return false;
        const failed = (f: Flag) => f.completed && !f.successful;
        return last.user.completed || failed(last.journey) || failed(last.oauth);
      },
      undefined,
      { timeout },
    ),
  );
  return page.evaluate(() => {
    const last = (globalThis as unknown as { widgetApp: { last: Ended } }).widgetApp.last;
    return JSON.parse(JSON.stringify({ journey: last.journey, oauth: last.oauth, user: last.user })) as Ended;
  });
}

/** Runs a wait; when it fails, says what the Widget shows and what it last emitted. */
async function waitOrExplain(page: Page, _timeout: number, wait: () => Promise<unknown>): Promise<void> {
  try {
    await wait();
  } catch (error) {
    const shown = await page
      .locator('#widget-root')
      .innerText()
      .catch(() => '');
    const events = await page.evaluate(() =>
      JSON.stringify(
        (globalThis as unknown as { widgetApp: { events: unknown[] } }).widgetApp.events.slice(-3),
      ),
    );
    throw new Error(`${(error as Error).message}\nWidget shows: ${shown}\nLast events: ${events}`);
  }
}

/** The tokens the Widget holds (its user.tokens API), as an app asks for them. */
export async function widgetTokens(page: Page): Promise<Record<string, unknown>> {
  return page.evaluate(async () => {
    const app = (globalThis as unknown as { widgetApp: { tokens(): Promise<{ response: unknown }> } })
      .widgetApp;
    // The Widget's user.tokens().get(): the SDK's TokenManager.getTokens(), resolved with the OAuth event.
    return JSON.parse(JSON.stringify((await app.tokens()).response)) as Record<string, unknown>;
  });
}

/**
 * Known gap (reported, not fixed here: functions/oidc/ is the provider's): the SDK inside the Widget calls
 * /userinfo with `credentials: 'include'` (and a Bearer token), so Chromium requires
 * `Access-Control-Allow-Credentials: true` on the preflight and the response; oidc-provider's CORS middleware
 * (node_modules/oidc-provider/lib/shared/cors.js) never sends it, and functions/oidc/app.ts adds nothing. The
 * Widget's user step then fails with "Failed to fetch" (tokens are fine). Set to false once the provider answers
 * credentialed CORS for the client's origins: the suite then requires the Widget's own userinfo.
 */
export const USERINFO_CREDENTIALS_CORS_GAP = false;

/**
 * Asserts the journey ended in tokens — access and ID token from the Widget's default OAuth flow, read with its
 * user.tokens API — and that userinfo answers for the user with that access token (from the page, and from the
 * app's back end).
 */
export async function expectTokens(
  page: Page,
  proofline: string,
  email: string,
): Promise<{ accessToken: string; idToken: string }> {
  const ended = await widgetDone(page);
  expect(ended.journey.successful, JSON.stringify(ended.journey.error)).toBe(true);
  expect(ended.oauth.successful, JSON.stringify(ended.oauth.error)).toBe(true);
  if (USERINFO_CREDENTIALS_CORS_GAP) {
    expect(ended.user.error).toMatchObject({ message: 'Failed to fetch' });
  } else {
    expect(ended.user.successful, JSON.stringify(ended.user.error)).toBe(true);
    // What the Widget fetched from /userinfo with the scope 'openid email'.
    expect(ended.user.response?.email).toBe(email);
  }
  // The Widget's default flow: authorize in its hidden iframe with prompt=none (the session cookie), PKCE, the
  // default client, redirect URI and scope; then the code at /access_token.
  const requests = oauthRequests(page);
  const authorize = requests.find((r) => r.startsWith('GET ') && r.includes('/authorize?'));
  expect(authorize, requests.join('\n')).toBeDefined();
  const query = new URL((authorize as string).slice(4)).searchParams;
  expect(
    Object.fromEntries(
      ['prompt', 'client_id', 'scope', 'response_type', 'code_challenge_method'].map((k) => [
        k,
        query.get(k),
      ]),
    ),
  ).toEqual({
    prompt: 'none',
    client_id: 'WebLoginWidgetClient',
    scope: 'openid email',
    response_type: 'code',
    code_challenge_method: 'S256',
  });
  expect(query.get('redirect_uri')).toBe(`${new URL(page.url()).origin}/`);
  expect(requests.some((r) => r.startsWith('POST ') && r.endsWith('/access_token'))).toBe(true);
  const tokens = await widgetTokens(page);
  const accessToken = tokens.accessToken as string;
  const idToken = tokens.idToken as string;
  expect(accessToken).toEqual(expect.any(String));
  expect(idToken.split('.')).toHaveLength(3);
  const claims = JSON.parse(Buffer.from(idToken.split('.')[1] as string, 'base64url').toString()) as Record<
    string,
    unknown
  >;
  expect(claims.aud).toBe('WebLoginWidgetClient');
  expect(claims.iss).toBe(`${proofline}/oauth2/realms/root/realms/alpha`);
  const userinfo = `${proofline}/oauth2/realms/root/realms/alpha/userinfo`;
  // From the page (a plain CORS request with the Bearer token, no cookies)…
  const fromPage = await page.evaluate(
    async ({ url, token }) => {
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    { url: userinfo, token: accessToken },
  );
  expect(fromPage.status).toBe(200);
  expect(fromPage.body).toMatchObject({ sub: claims.sub, email });
  // …and from the app's back end.
  const info = await fetch(userinfo, { headers: { authorization: `Bearer ${accessToken}` } });
  expect(info.status).toBe(200);
  expect(await info.json()).toMatchObject({ sub: claims.sub, email });
  return { accessToken, idToken };
}

/** Registers a user (Ada Lovelace, as the IDEMIA sandbox's document says) over the callbacks API. */
export async function registerOverHttp(proofline: string, userName: string): Promise<void> {
  const url = `${proofline}/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=Registration`;
  const headers = { 'content-type': 'application/json', 'accept-api-version': 'resource=2.1, protocol=1.0' };
  const first = (await (await fetch(url, { method: 'POST', headers })).json()) as Step;
  const done = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify(fill(first, registrationValues(userName))),
  });
  const body = (await done.json()) as { tokenId?: string };
  if (!body.tokenId) throw new Error(`register ${userName}: ${done.status} ${JSON.stringify(body)}`);
}

export { PASSWORD };

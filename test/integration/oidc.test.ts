import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../functions/contract/data.js';
import { accountKey } from '../../functions/contract/keys.js';
import { AttemptRepository } from '../../functions/store/attempts.js';
import { nowSeconds } from '../../functions/store/dynamo.js';
import { UserRepository } from '../../functions/store/users.js';
import { IDA_SCHEMAS } from '../support/ida-schemas.js';
import { confirmEndSession } from '../support/oidc-logout.js';
import { baseUrl, login, PASSWORD, register, uniqueName } from './am-client.js';
import { testStore } from './test-store.js';

/**
 * The OpenID Provider (ADR 24) driven by a certified relying-party library (openid-client) as the application:
 * discovery at AM's paths, authorization code + PKCE with the sign-in session as AM takes it, tokens, userinfo,
 * refresh, revocation, sign-out — and the sign-in page for people without a session.
 */
const REDIRECT = 'http://rp.example.test/callback';
const issuer = (): string => `${baseUrl()}/oauth2/realms/root/realms/alpha`;

let config: oidc.Configuration;

beforeAll(async () => {
  config = await oidc.discovery(new URL(issuer()), 'test-rp', 'test-rp-secret-0123456789abcdef', undefined, {
    execute: [oidc.allowInsecureRequests],
  });
});

interface Started {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

async function authorizationRequest(extra: Record<string, string> = {}): Promise<Started> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  return { url, verifier, state, nonce };
}

/** Follows the provider's redirects (cookies carried, as a browser would) until one leaves it. */
async function follow(start: URL, cookies: string[]): Promise<{ location: URL; cookies: string[] }> {
  let url = start;
  const jar = new Map(cookies.map((c) => [c.slice(0, c.indexOf('=')), c]));
  for (let i = 0; i < 10; i++) {
    const response = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...jar.values()].join('; ') },
    });
    for (const set of response.headers.getSetCookie()) {
      const pair = set.split(';')[0] as string;
      jar.set(pair.slice(0, pair.indexOf('=')), pair);
    }
    const location = response.headers.get('location');
    expect(response.status, await response.text()).toBe(303);
    const next = new URL(location as string, url);
    if (!next.href.startsWith(baseUrl()) || !next.pathname.startsWith('/oauth2/')) {
      return { location: next, cookies: [...jar.values()] };
    }
    url = next;
  }
  throw new Error('too many redirects');
}

async function signedInUser(): Promise<{ userName: string; token: string }> {
  const userName = uniqueName('oidc');
  return { userName, token: await register(userName) };
}

async function codeFlow(token: string, extra: Record<string, string> = {}) {
  const request = await authorizationRequest(extra);
  const { location } = await follow(request.url, [`iPlanetDirectoryPro=${token}`]);
  expect(location.origin + location.pathname).toBe(REDIRECT);
  return oidc.authorizationCodeGrant(config, location, {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
    expectedNonce: request.nonce,
    idTokenExpected: true,
  });
}

describe('OpenID Provider', () => {
  it('publishes discovery and keys at AM paths', async () => {
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(issuer());
    expect(metadata.authorization_endpoint).toBe(`${issuer()}/authorize`);
    expect(metadata.token_endpoint).toBe(`${issuer()}/access_token`);
    expect(metadata.userinfo_endpoint).toBe(`${issuer()}/userinfo`);
    expect(metadata.jwks_uri).toBe(`${issuer()}/connect/jwk_uri`);
    expect(metadata.end_session_endpoint).toBe(`${issuer()}/connect/endSession`);
    expect(metadata.revocation_endpoint).toBe(`${issuer()}/token/revoke`);
    expect(metadata.code_challenge_methods_supported).toContain('S256');
    expect(metadata.claims_parameter_supported).toBe(true);
    const jwks = (await (await fetch(metadata.jwks_uri as string)).json()) as {
      keys: Record<string, unknown>[];
    };
    expect(jwks.keys.length).toBeGreaterThan(0);
    // Public keys only.
    for (const key of jwks.keys) expect(key).not.toHaveProperty('d');
  });

  it('answers an authorization request with a sign-in session with a code, and the code with tokens', async () => {
    const { userName, token } = await signedInUser();
    const tokens = await codeFlow(token);
    const claims = tokens.claims();
    expect(claims?.iss).toBe(issuer());
    expect(claims?.aud).toBe('test-rp');
    expect(tokens.refresh_token).toBeTruthy();
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims?.sub as string);
    expect(info.preferred_username).toBe(userName);
    expect(info.email).toBe(`${userName}@example.com`);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token as string);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
  });

  it('takes the session from the iPlanetDirectoryPro header as well', async () => {
    const { token } = await signedInUser();
    const request = await authorizationRequest();
    const response = await fetch(request.url, {
      redirect: 'manual',
      headers: { iPlanetDirectoryPro: token },
    });
    expect(response.status).toBe(303);
    expect(new URL(response.headers.get('location') as string).searchParams.get('code')).toBeTruthy();
  });

  it('sends people without a session to the hosted pages running the client journey, then back', async () => {
    const request = await authorizationRequest();
    const first = await fetch(request.url, { redirect: 'manual' });
    expect(first.status).toBe(303);
    const cookies = first.headers.getSetCookie().map((c) => c.split(';')[0] as string);
    const interaction = new URL(first.headers.get('location') as string, baseUrl());
    expect(interaction.pathname).toMatch(/^\/oauth2\/realms\/root\/realms\/alpha\/interaction\//);
    const toPages = await fetch(interaction, { redirect: 'manual', headers: { cookie: cookies.join('; ') } });
    expect(toPages.status).toBe(303);
    const pages = new URL(toPages.headers.get('location') as string);
    expect(pages.origin).toBe(baseUrl());
    expect(pages.searchParams.get('realm')).toBe('alpha');
    expect(pages.searchParams.get('journey')).toBe('Login');
    expect(pages.searchParams.get('goto')).toBe(interaction.href);
    // The person signs in there (here: the callbacks API), and the page goes to goto with the new cookie.
    const { token } = await signedInUser();
    const { location } = await follow(interaction, [...cookies, `iPlanetDirectoryPro=${token}`]);
    expect(location.origin + location.pathname).toBe(REDIRECT);
    const tokens = await oidc.authorizationCodeGrant(config, location, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    expect(tokens.access_token).toBeTruthy();
  });

  it('asks a signed-in person to sign in again for prompt=login, then answers without a loop', async () => {
    const { userName, token } = await signedInUser();
    // A session from an earlier second than the request (freshness is compared in seconds).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const request = await authorizationRequest({ prompt: 'login' });
    const first = await fetch(request.url, {
      redirect: 'manual',
      headers: { cookie: `iPlanetDirectoryPro=${token}` },
    });
    expect(first.status).toBe(303);
    const interaction = new URL(first.headers.get('location') as string, baseUrl());
    const cookies = [
      `iPlanetDirectoryPro=${token}`,
      ...first.headers.getSetCookie().map((c) => c.split(';')[0] as string),
    ];
    const toPages = await fetch(interaction, { redirect: 'manual', headers: { cookie: cookies.join('; ') } });
    expect(new URL(toPages.headers.get('location') as string).searchParams.get('goto')).toBe(
      interaction.href,
    );
    // Signed in again on the pages: a new session, then back through goto, and the code.
    const again = await login(userName, PASSWORD);
    const fresh = again.body.tokenId as string;
    const { location } = await follow(interaction, [
      ...cookies.filter((c) => !c.startsWith('iPlanetDirectoryPro=')),
      `iPlanetDirectoryPro=${fresh}`,
    ]);
    const tokens = await oidc.authorizationCodeGrant(config, location, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    expect(tokens.access_token).toBeTruthy();
  });

  it('lets a confidential client without PKCE sign in with a nonce (OpenID Connect Core), and checks PKCE when sent', async () => {
    const { token } = await signedInUser();
    const nonce = oidc.randomNonce();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid', state, nonce });
    const { location } = await follow(url, [`iPlanetDirectoryPro=${token}`]);
    const tokens = await oidc.authorizationCodeGrant(config, location, {
      expectedState: state,
      expectedNonce: nonce,
    });
    expect(tokens.claims()?.nonce).toBe(nonce);
    // A challenge it sent is enforced: the code with another verifier is refused.
    const request = await authorizationRequest();
    const second = await follow(request.url, [`iPlanetDirectoryPro=${token}`]);
    await expect(
      oidc.authorizationCodeGrant(config, second.location, {
        pkceCodeVerifier: oidc.randomPKCECodeVerifier(),
        expectedState: request.state,
        expectedNonce: request.nonce,
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('answers prompt=none without a session with login_required at the redirect URI', async () => {
    const request = await authorizationRequest({ prompt: 'none' });
    const response = await fetch(request.url, { redirect: 'manual' });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location') as string);
    expect(location.searchParams.get('error')).toBe('login_required');
  });

  it('ends tokens with the sign-in session: logout makes refresh and userinfo fail', async () => {
    const { token } = await signedInUser();
    const tokens = await codeFlow(token);
    const logout = await fetch(`${baseUrl()}/json/realms/root/realms/alpha/sessions?_action=logout`, {
      method: 'POST',
      headers: { iPlanetDirectoryPro: token, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(logout.status).toBe(200);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token as string)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    await expect(
      oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()?.sub as string),
    ).rejects.toBeTruthy();
  });

  it('keeps tokens ended after logout when the same browser signs in again', async () => {
    const { userName, token } = await signedInUser();
    const request = await authorizationRequest();
    const { location, cookies } = await follow(request.url, [`iPlanetDirectoryPro=${token}`]);
    const before = await oidc.authorizationCodeGrant(config, location, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    await fetch(`${baseUrl()}/json/realms/root/realms/alpha/sessions?_action=logout`, {
      method: 'POST',
      headers: { iPlanetDirectoryPro: token, 'content-type': 'application/json' },
      body: '{}',
    });
    // Signed in again; the browser still holds the provider's session cookie from before.
    const again = (await login(userName, PASSWORD)).body.tokenId as string;
    const second = await authorizationRequest();
    const jar = [
      ...cookies.filter((c) => !c.startsWith('iPlanetDirectoryPro=')),
      `iPlanetDirectoryPro=${again}`,
    ];
    const next = await follow(second.url, jar);
    const after = await oidc.authorizationCodeGrant(config, next.location, {
      pkceCodeVerifier: second.verifier,
      expectedState: second.state,
      expectedNonce: second.nonce,
    });
    expect(after.access_token).toBeTruthy();
    await expect(oidc.refreshTokenGrant(config, before.refresh_token as string)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('revokes a refresh token at /token/revoke', async () => {
    const { token } = await signedInUser();
    const tokens = await codeFlow(token);
    await oidc.tokenRevocation(config, tokens.refresh_token as string);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token as string)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('refuses a public client without PKCE, an unknown client and a foreign redirect URI with 4XX', async () => {
    const noPkce = new URL(`${issuer()}/authorize`);
    noPkce.search = new URLSearchParams({
      client_id: 'test-public',
      redirect_uri: 'http://app.example.test/',
      response_type: 'code',
      scope: 'openid',
    }).toString();
    const refused = await fetch(noPkce, { redirect: 'manual' });
    expect(refused.status).toBe(303);
    expect(new URL(refused.headers.get('location') as string).searchParams.get('error')).toBe(
      'invalid_request',
    );
    const unknown = new URL(noPkce);
    unknown.searchParams.set('client_id', 'nobody');
    expect((await fetch(unknown, { redirect: 'manual' })).status).toBe(400);
    const foreign = new URL(noPkce);
    foreign.searchParams.set('redirect_uri', 'https://evil.example/');
    expect((await fetch(foreign, { redirect: 'manual' })).status).toBe(400);
    expect((await fetch(`${baseUrl()}/oauth2/realms/root/realms/nowhere/authorize`)).status).toBe(404);
    const badToken = await fetch(`${issuer()}/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=authorization_code&code=%E0%A4%A&client_id=test-public',
    });
    expect(badToken.status).toBeGreaterThanOrEqual(400);
    expect(badToken.status).toBeLessThan(500);
  });

  it('releases verified_claims when requested and allowed, valid for the OIDC4IDA schema', async () => {
    const { userName, token } = await signedInUser();
    const users = new UserRepository(testStore());
    const user = await users.findByUserName('alpha', userName);
    // What IdentityProofing records (functions/nodes/idemia-ipa-evaluation.ts, iproov-authentication.ts).
    await users.recordIdentityVerification(user?.id as string, {
      provider: 'IDEMIA IPA',
      levelOfAssurance: 'LOA3',
      verifiedAt: '2026-11-27T10:00:00.000Z',
      sessionId: 'ipa-session-1',
      givenName: 'Ada',
      familyName: 'Lovelace',
      birthdate: '1815-12-10',
      document: { type: 'PASSPORT' },
      evidenceTime: '2026-11-27T09:59:00.000Z',
      faceBinding: { provider: 'iProov', verifiedAt: '2026-11-27T10:01:00.000Z' },
    });
    const request = {
      verification: {
        trust_framework: null,
        assurance_level: null,
        time: null,
        evidence: [
          {
            type: { value: 'document' },
            check_details: [{ check_method: null, organization: null }],
            document_details: { type: null },
          },
        ],
      },
      claims: { given_name: null, family_name: null, birthdate: null },
    };
    const claims = JSON.stringify({
      userinfo: { verified_claims: request },
      id_token: { verified_claims: request },
    });
    const tokens = await codeFlow(token, { claims });
    const fromIdToken = tokens.claims()?.verified_claims as Record<string, Record<string, unknown>>;
    const info = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()?.sub as string);
    for (const verified of [fromIdToken, info.verified_claims as typeof fromIdToken]) {
      expect(verified?.claims).toEqual({
        given_name: 'Ada',
        family_name: 'Lovelace',
        birthdate: '1815-12-10',
      });
      expect(verified?.verification?.trust_framework).toBe('eidas');
      expect(verified?.verification?.assurance_level).toBe('high');
      // The document check by IDEMIA and the face bound by iProov.
      expect(JSON.stringify(verified?.verification?.evidence)).toContain('"check_method":"vpip"');
      expect(JSON.stringify(verified?.verification?.evidence)).toContain('"check_method":"bvr"');
      for (const [version, { response }] of Object.entries(IDA_SCHEMAS)) {
        expect(
          response({ verified_claims: verified }),
          `${version}: ${JSON.stringify(response.errors)}`,
        ).toBe(true);
      }
    }
    // Not requested: not released.
    const plain = await codeFlow(token);
    expect(plain.claims()).not.toHaveProperty('verified_claims');
  });

  it('never releases verified_claims to a client not allowed them', async () => {
    const { token } = await signedInUser();
    const verifier = oidc.randomPKCECodeVerifier();
    const publicClient = await oidc.discovery(new URL(issuer()), 'test-public', undefined, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });
    const url = oidc.buildAuthorizationUrl(publicClient, {
      redirect_uri: 'http://app.example.test/',
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'state-1',
      claims: JSON.stringify({
        id_token: {
          verified_claims: { verification: { trust_framework: null }, claims: { given_name: null } },
        },
      }),
    });
    const { location } = await follow(url, [`iPlanetDirectoryPro=${token}`]);
    const tokens = await oidc.authorizationCodeGrant(publicClient, location, {
      pkceCodeVerifier: verifier,
      expectedState: 'state-1',
    });
    expect(tokens.claims()).not.toHaveProperty('verified_claims');
  });

  it('lets only one of several parallel exchanges of a code succeed', async () => {
    const { token } = await signedInUser();
    const request = await authorizationRequest();
    const { location } = await follow(request.url, [`iPlanetDirectoryPro=${token}`]);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () =>
        oidc.authorizationCodeGrant(config, location, {
          pkceCodeVerifier: request.verifier,
          expectedState: request.state,
          expectedNonce: request.nonce,
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('ends tokens when the account is made inactive, locked, deleted, or its password changes', async () => {
    const store = testStore();
    const users = new UserRepository(store);
    const endings: Record<string, (userName: string, id: string) => Promise<unknown>> = {
      inactive: (_name, id) => users.setAccountStatus(id, 'inactive'),
      locked: (name) => new AttemptRepository(store).lock(accountKey('alpha', name), nowSeconds() + 600),
      // What `npm run admin -- delete-user` erases first (the user item; sessions follow).
      deleted: async (_name, id) => users.erase((await users.get(id)) as User),
      'password changed': async (_name, id) => {
        const current = await users.get(id);
        await users.updatePasswordHash(id, 'not-a-real-hash', current?.passwordHash as string, {
          endSessions: true,
        });
      },
    };
    for (const [ending, end] of Object.entries(endings)) {
      const { userName, token } = await signedInUser();
      const tokens = await codeFlow(token);
      const user = await users.findByUserName('alpha', userName);
      await end(userName, user?.id as string);
      await expect(
        oidc.refreshTokenGrant(config, tokens.refresh_token as string),
        ending,
      ).rejects.toMatchObject({ error: 'invalid_grant' });
    }
  });

  it('ends the sign-in session on RP-initiated logout', async () => {
    const { token } = await signedInUser();
    const tokens = await codeFlow(token);
    const url = oidc.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token as string,
      post_logout_redirect_uri: 'http://rp.example.test/signed-out',
    });
    const confirm = await confirmEndSession(url, `iPlanetDirectoryPro=${token}`);
    expect(confirm.status).toBe(303);
    expect(confirm.headers.get('location')).toBe('http://rp.example.test/signed-out');
    const validate = await fetch(`${baseUrl()}/json/realms/root/realms/alpha/sessions?_action=validate`, {
      method: 'POST',
      headers: { iPlanetDirectoryPro: token, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(await validate.json()).toEqual({ valid: false });
  });

  it('answers CORS with credentials for the origins of the client redirect URIs only (the SDK sends cookies)', async () => {
    const { token } = await signedInUser();
    const tokens = await codeFlow(token);
    const userinfo = `${issuer()}/userinfo`;
    const preflight = await fetch(userinfo, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://rp.example.test',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://rp.example.test');
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    const allowed = await fetch(userinfo, {
      headers: { origin: 'http://rp.example.test', authorization: `Bearer ${tokens.access_token}` },
    });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://rp.example.test');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    const foreign = await fetch(userinfo, {
      headers: { origin: 'https://evil.example', authorization: `Bearer ${tokens.access_token}` },
    });
    expect(foreign.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
    expect(foreign.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

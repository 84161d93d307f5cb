import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { describe, expect, it } from 'vitest';
import { confirmEndSession } from '../support/oidc-logout.js';
import { post, register, sessions, target } from './client.js';

/**
 * The OpenID Provider through the target's public URL (on cdk-out: the synthesized stack's OIDC function behind
 * `/oauth2/{proxy+}`, its keys made on first use in Secrets Manager, IAM enforced): discovery, a code flow with
 * PKCE for a signed-in user, userinfo, refresh — and the tokens ending with the sign-in session.
 */
const REDIRECT = 'https://app.proofline.example/callback';

describe.skipIf(!target.baseUrl)(`OpenID Provider on ${target.name}`, () => {
  const issuer = `${target.baseUrl}oauth2/realms/root/realms/${target.realm}`;
  /** The target's provider, as the public test client sees it (plain HTTP allowed for the local targets). */
  const discover = () =>
    oidc.discovery(new URL(issuer), 'e2e-public', undefined, oidc.None(), {
      execute: issuer.startsWith('http:') ? [oidc.allowInsecureRequests] : [],
    });

  it('runs a code flow with PKCE for a signed-in user, and ends its tokens with the session', async () => {
    const config = await discover();
    expect(config.serverMetadata().issuer).toBe(issuer);
    const userName = `e2e-oidc-${randomBytes(4).toString('hex')}`;
    const registered = await register(userName);
    const token = registered.body.tokenId as string;
    expect(token).toBeTruthy();

    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    const authorized = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: `iPlanetDirectoryPro=${token}` },
    });
    expect(authorized.status).toBe(303);
    const callback = new URL(authorized.headers.get('location') as string);
    expect(callback.origin + callback.pathname).toBe(REDIRECT);
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      idTokenExpected: true,
    });
    const sub = tokens.claims()?.sub as string;
    const info = await oidc.fetchUserInfo(config, tokens.access_token, sub);
    expect(info.preferred_username).toBe(userName);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token as string);
    expect(refreshed.access_token).toBeTruthy();

    const logout = await post(sessions('logout'), {}, { iPlanetDirectoryPro: token });
    expect(logout.status).toBe(200);
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token as string)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('revokes a refresh token, and ends the sign-in session on RP-initiated logout', async () => {
    const config = await discover();
    const userName = `e2e-oidc-${randomBytes(4).toString('hex')}`;
    const token = (await register(userName)).body.tokenId as string;
    const cookie = `iPlanetDirectoryPro=${token}`;
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'e2e-state',
    });
    const authorized = await fetch(url, { redirect: 'manual', headers: { cookie } });
    const tokens = await oidc.authorizationCodeGrant(
      config,
      new URL(authorized.headers.get('location') as string),
      { pkceCodeVerifier: verifier, expectedState: 'e2e-state' },
    );
    await oidc.tokenRevocation(config, tokens.refresh_token as string);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token as string)).rejects.toMatchObject({
      error: 'invalid_grant',
    });

    const endSession = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token as string });
    const confirmed = await confirmEndSession(endSession, cookie);
    expect(confirmed.status).toBeLessThan(400);
    const validated = await post(sessions('validate'), undefined, { iPlanetDirectoryPro: token });
    expect(validated.body).toEqual({ valid: false });
  });
});

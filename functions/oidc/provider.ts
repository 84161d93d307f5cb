import { stringifySetCookie } from 'cookie';
import Provider, { type Account, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { GetCommand } from '../aws/dynamodb.js';
import type { User } from '../contract/data.js';
import { accountKey } from '../contract/keys.js';
import { escapeHtml } from '../shared/html.js';
import { logger } from '../shared/logger.js';
import type { AttemptRepository } from '../store/attempts.js';
import { nowSeconds, type Store } from '../store/dynamo.js';
import type { Session, SessionRepository } from '../store/sessions.js';
import { legacyUsersRealmFromEnv, type UserRepository } from '../store/users.js';
import { dynamoAdapter, signInSession } from './adapter.js';
import type { OidcClientConfig } from './clients.js';
import type { KeyMaterial } from './keys.js';
import { htmlPage } from './pages.js';
import { verifiedClaims } from './verified-claims.js';

export interface OidcConfig {
  /** Realms served besides root. */
  realms: readonly string[];
  /** AM's session cookie and header (`iPlanetDirectoryPro`). */
  cookieName: string;
  secureCookie: boolean;
  /** The journey the hosted pages run for a client that names none. */
  defaultJourney: string;
  /** Where people sign in: the hosted pages (`UI_BASE_URL`); default the issuer's origin. */
  pagesUrl?: string;
  /** Trust framework named in `verified_claims` (`IDA_TRUST_FRAMEWORK`). */
  trustFramework: string;
  /** Access and ID token lifetime, seconds. */
  accessTokenSeconds: number;
}

export interface OidcDeps {
  store: Store;
  sessions: SessionRepository;
  users: UserRepository;
  attempts: AttemptRepository;
  clients: readonly OidcClientConfig[];
  keys: KeyMaterial;
  config: OidcConfig;
}

/** AM's base path of a realm's OAuth 2.0 endpoints. */
export const realmBasePath = (realm: string): string =>
  realm === 'root' ? '/oauth2/realms/root' : `/oauth2/realms/root/realms/${realm}`;

/**
 * Whether a sign-in session (by id) is still live: not ended (logout, expiry, password change — the sessions
 * repository decides), its user still there and active, and the account not locked.
 */
export function sessionLiveness(deps: Pick<OidcDeps, 'sessions' | 'users' | 'attempts'>) {
  return async (sessionId: string): Promise<boolean> => {
    const session = await deps.sessions.findById(sessionId);
    return session ? accountUsable(session, deps) : false;
  };
}

/** Whether the account a live sign-in session belongs to may still be used: present, active, not locked. */
export async function accountUsable(
  session: Session,
  deps: Pick<OidcDeps, 'users' | 'attempts'>,
): Promise<boolean> {
  const [user, attempts] = await Promise.all([
    deps.users.get(session.userId),
    deps.attempts.get(accountKey(session.realm, session.userName)),
  ]);
  if (!user || user.accountStatus !== 'active') return false;
  return !(attempts.lockedUntil !== undefined && attempts.lockedUntil > nowSeconds());
}

/** The claims Proofline releases by scope (OpenID Connect Core 5.4) and on their own. */
const CLAIMS: Configuration['claims'] = {
  openid: ['sub'],
  email: ['email', 'email_verified'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username', 'updated_at'],
  phone: ['phone_number'],
  // OpenID Connect for Identity Assurance 1.0: requested with the claims parameter only.
  verified_claims: null,
};

function standardClaims(user: User): Record<string, unknown> {
  const name = [user.givenName, user.sn].filter(Boolean).join(' ');
  return {
    preferred_username: user.userName,
    ...(user.mail ? { email: user.mail, email_verified: false } : {}),
    ...(user.givenName ? { given_name: user.givenName } : {}),
    ...(user.sn ? { family_name: user.sn } : {}),
    ...(name ? { name } : {}),
    ...(user.telephoneNumber ? { phone_number: user.telephoneNumber } : {}),
    updated_at: Math.floor(Date.parse(user.updatedAt) / 1000),
  };
}

/** The provider of one realm at one issuer (`<origin>/oauth2/realms/root/realms/<realm>`). */
export function createProvider(deps: OidcDeps, realm: string, origin: string): Provider {
  const { config } = deps;
  const base = realmBasePath(realm);
  const issuer = `${origin}${base}`;
  const clients = deps.clients
    .filter((c) => c.realm === realm)
    .map(({ realm: _realm, ...metadata }) => metadata);

  const configuration: Configuration = {
    adapter: dynamoAdapter(deps.store, sessionLiveness(deps)),
    clients: clients as Configuration['clients'],
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      id_token_signed_response_alg: 'RS256',
      token_endpoint_auth_method: 'client_secret_basic',
    },
    extraClientMetadata: { properties: ['proofline_journey', 'proofline_verified_claims'] },
    jwks: deps.keys.jwks as Configuration['jwks'],
    cookies: {
      keys: deps.keys.cookieKeys,
      names: {
        session: 'proofline_op_session',
        interaction: 'proofline_op_interaction',
        resume: 'proofline_op_resume',
      },
      // The provider's session always mirrors the sign-in session (bridged on every request, below): its cookie
      // is not trusted on its own, so it needs no signature. The short-lived interaction cookies are signed.
      long: { httpOnly: true, sameSite: 'lax', signed: false },
      short: { httpOnly: true, sameSite: 'lax', signed: true },
    },
    claims: CLAIMS,
    scopes: ['openid', 'email', 'profile', 'phone'],
    responseTypes: ['code'],
    // PKCE: required of public clients (oidc-provider's default, RFC 9700 §2.1.1); a confidential client,
    // authenticated at the token endpoint, may rely on the nonce instead, as OpenID Connect clients without PKCE
    // do — and its PKCE is checked whenever it sends one.
    routes: {
      authorization: '/authorize',
      token: '/access_token',
      userinfo: '/userinfo',
      jwks: '/connect/jwk_uri',
      end_session: '/connect/endSession',
      revocation: '/token/revoke',
      introspection: '/introspect',
    },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.body = htmlPage(
            'Sign out',
            `<h1>Sign out of ${escapeHtml(ctx.host)}?</h1>${form}
<p><button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button></p>`,
          );
        },
        async postLogoutSuccessSource(ctx) {
          ctx.body = htmlPage('Signed out', '<h1>You are signed out.</h1>');
        },
      },
    },
    discovery: {
      // OpenID Connect for Identity Assurance 1.0, section 8 (OP metadata).
      verified_claims_supported: true,
      trust_frameworks_supported: [config.trustFramework],
      evidence_supported: ['document'],
      claims_in_verified_claims_supported: ['given_name', 'family_name', 'birthdate'],
    } as Configuration['discovery'],
    conformIdTokenClaims: true,
    // Every token ends with the session it was issued in (and so with the sign-in session: logout, password
    // change, lock, erasure); refresh tokens are issued to every client allowed the grant (as AM does).
    expiresWithSession: async () => true,
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      AccessToken: config.accessTokenSeconds,
      IdToken: config.accessTokenSeconds,
      AuthorizationCode: 60,
      Interaction: 30 * 60,
      Grant: 14 * 24 * 3600,
      RefreshToken: 14 * 24 * 3600,
      // The provider's session lives as long as the sign-in session it mirrors.
      Session: () => {
        const link = signInSession.getStore();
        return link ? Math.max(link.expiresAt - nowSeconds(), 1) : 600;
      },
    },
    // Browser applications call the token, userinfo and revocation endpoints from their own origin: allowed for
    // the origins of the client's redirect URIs.
    clientBasedCORS: (_ctx, origin, client) =>
      origin !== 'null' && (client.redirectUris ?? []).some((uri) => URL.parse(uri)?.origin === origin),
    interactions: { url: (_ctx, interaction) => `${base}/interaction/${interaction.uid}` },
    // Clients are the deployment's own applications (first party): what they ask for within what they are
    // allowed is granted without a consent screen.
    async loadExistingGrant(ctx) {
      const { oidc } = ctx;
      const clientId = oidc.client?.clientId;
      const accountId = oidc.session?.accountId;
      if (!clientId || !accountId) return undefined;
      const existing = oidc.session?.grantIdFor(clientId);
      const grant =
        (existing ? await oidc.provider.Grant.find(existing) : undefined) ??
        new oidc.provider.Grant({ clientId, accountId });
      const scopes = [...(oidc.requestParamScopes ?? [])].join(' ');
      if (scopes) grant.addOIDCScope(scopes);
      const claims = [...(oidc.requestParamClaims ?? [])];
      if (claims.length > 0) grant.addOIDCClaims(claims);
      await grant.save();
      return grant;
    },
    async findAccount(ctx, sub): Promise<Account | undefined> {
      const user = await deps.users.get(sub);
      // Users from before realms were isolated belong to the legacy realm (ADR 11).
      if (!user || user.accountStatus !== 'active' || (user.realm ?? legacyUsersRealmFromEnv()) !== realm)
        return undefined;
      const client = ctx.oidc.client;
      return {
        accountId: sub,
        async claims(use, _scope, requested) {
          const released: Record<string, unknown> = { sub, ...standardClaims(user) };
          const request = requested?.verified_claims;
          if (request && client?.proofline_verified_claims === true) {
            const verified = verifiedClaims(user.identityVerification, request, {
              trustFramework: config.trustFramework,
            });
            if (verified) released.verified_claims = verified;
          }
          logger.debug('Claims released', { use, clientId: client?.clientId });
          return released as { sub: string };
        },
      };
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = htmlPage(
        'Sign-in problem',
        `<h1>This sign-in request cannot continue.</h1>
<p>${escapeHtml(String(out.error_description ?? out.error ?? 'The request was not valid.'))}</p>
<p>Go back to the application and start again.</p>`,
      );
    },
  };

  const provider = new Provider(issuer, configuration);
  // API Gateway (and the local server) terminate the connection: the scheme comes from X-Forwarded-Proto,
  // which the HTTP entry sets itself (functions/oidc/app.ts).
  provider.proxy = true;
  provider.on('server_error', (_ctx, error) => logger.error('OpenID Provider error', { error }));
  // Refused token requests, for operators: the error and the provider's reason, no token or user data.
  provider.on('grant.error', (ctx, error) =>
    logger.warn('Token request refused', {
      error: (error as { error?: string }).error,
      reason: (error as { error_detail?: string }).error_detail ?? error.message,
      clientId: (ctx as KoaContextWithOIDC).oidc?.client?.clientId,
    }),
  );
  provider.use(async (ctx, next) => {
    await next();
    const oidcCtx = ctx as KoaContextWithOIDC;
    // RP-initiated logout, confirmed: the sign-in session it mirrors ends too.
    if (
      oidcCtx.oidc?.route === 'end_session_confirm' &&
      (oidcCtx.oidc.session as { destroyed?: boolean } | undefined)?.destroyed
    ) {
      const link = signInSession.getStore();
      if (link) await deps.sessions.deleteById(link.sessionId);
      ctx.append(
        'Set-Cookie',
        stringifySetCookie(config.cookieName, '', {
          path: '/',
          maxAge: 0,
          httpOnly: true,
          sameSite: 'lax',
          secure: config.secureCookie,
        }),
      );
    }
    // CORS with credentials, as AM's CORS filter answers: the ForgeRock SDK calls userinfo and revocation with
    // `credentials: 'include'`. Only for an origin the provider allowed (clientBasedCORS: the client's redirect
    // URIs' origins), never for `*`; a preflight is answered for the asking origin (it grants nothing by itself).
    const origin = ctx.get('Origin');
    const allowed = ctx.response.get('Access-Control-Allow-Origin');
    if (origin && allowed === origin) ctx.set('Access-Control-Allow-Credentials', 'true');
    if (origin && ctx.method === 'OPTIONS' && allowed === '*') {
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.set('Access-Control-Allow-Credentials', 'true');
      ctx.vary('Origin');
    }
    if (ctx.response.is('html')) {
      ctx.set(
        'Content-Security-Policy',
        "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      );
      ctx.set('X-Frame-Options', 'DENY');
    }
    ctx.set('Cache-Control', ctx.get('Cache-Control') || 'no-store');
  });
  return provider;
}

/** The id of the sign-in session an OpenID Provider session item is linked to (raw read), if any. */
export async function linkedSignInSession(store: Store, opSessionId: string): Promise<string | undefined> {
  const { Item } = await store.doc.send(
    new GetCommand({
      TableName: store.tables.Oidc,
      Key: { id: `Session:${opSessionId}` },
      ProjectionExpression: 'signInSessionId',
      ConsistentRead: true,
    }),
  );
  return typeof Item?.signInSessionId === 'string' ? Item.signInSessionId : undefined;
}

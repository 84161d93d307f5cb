import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseCookie } from 'cookie';
import type Provider from 'oidc-provider';
import serverless from 'serverless-http';
import { amError, type HttpEvent, type HttpResult } from '../api/http.js';
import { logger } from '../shared/logger.js';
import type { Session } from '../store/sessions.js';
import { signInSession } from './adapter.js';
import { htmlPage } from './pages.js';
import {
  accountUsable,
  createProvider,
  linkedSignInSession,
  type OidcDeps,
  realmBasePath,
} from './provider.js';

/** `/oauth2/realms/root[/realms/{realm}]{rest}` (AM's paths); `/oauth2{rest}` is the root realm too. */
const PATH = /^\/oauth2(?:\/realms\/root(?:\/realms\/([A-Za-z0-9_-]+))?)?(\/.*)?$/;
const INTERACTION = /^\/interaction\/([A-Za-z0-9_-]{1,64})\/?$/;
const RESUME = /^\/authorize\/[^/]+\/?$/;
/** The provider's routes that use its session: authorization (and its resume), end session, the interaction. */
const SESSION_ROUTES = /^\/(?:authorize|connect\/endSession|interaction)(?:\/|$)/;
const OP_SESSION_COOKIE = 'proofline_op_session';

export interface OidcHandlerDeps extends OidcDeps {
  /**
   * The public origin of the issuer (`PUBLIC_BASE_URL`, e.g. `https://id.example.com`); undefined: the origin
   * API Gateway was called at (its `requestContext.domainName`, always HTTPS).
   */
  publicBaseUrl: () => string | undefined;
}

interface Route {
  realm: string;
  rest: string;
  origin: string;
}

const redirect = (res: ServerResponse, location: string): void => {
  res.writeHead(303, { location, 'cache-control': 'no-store' });
  res.end();
};

/**
 * The OpenID Provider's HTTP entry (ADR 24): AM's `/oauth2/…` paths, one oidc-provider instance per realm and
 * issuer, reached through serverless-http's event ↔ Node request/response adapter — the same code on Lambda and
 * in the local runtime. Before the provider sees a request, its own session is made to mirror the sign-in
 * session the request carries (the `iPlanetDirectoryPro` cookie or header, as AM takes it); the interaction
 * endpoint sends people without one to the hosted pages, running the client's journey, and back.
 */
export function createOidcHandler(deps: OidcHandlerDeps): (event: HttpEvent) => Promise<HttpResult> {
  const providers = new Map<string, Provider>();
  const realms = new Set(['root', ...deps.config.realms]);

  const providerFor = (realm: string, origin: string): Provider => {
    const key = `${realm} ${origin}`;
    let provider = providers.get(key);
    if (!provider) {
      provider = createProvider(deps, realm, origin);
      providers.set(key, provider);
    }
    return provider;
  };

  /** The live sign-in session of the request, in this realm, whose account may still be used. */
  async function signedIn(req: IncomingMessage, realm: string): Promise<Session | undefined> {
    const name = deps.config.cookieName;
    const header = req.headers[name.toLowerCase()];
    const token =
      (typeof header === 'string' ? header : undefined) ?? parseCookie(req.headers.cookie ?? '')[name];
    const session = token ? await deps.sessions.find(token) : undefined;
    if (!session || session.realm !== realm) return undefined;
    return (await accountUsable(session, deps)) ? session : undefined;
  }

  /**
   * Makes the provider's session cookie name the provider session that mirrors `session` (found, or made), or
   * removes it when there is no sign-in session. A provider session is never moved to another sign-in session,
   * even of the same account: the tokens bound to it must stay ended with the sign-in session they came from.
   */
  async function bridge(
    req: IncomingMessage,
    provider: Provider,
    session: Session | undefined,
  ): Promise<void> {
    const raw = req.headers.cookie ?? '';
    const others = raw
      .split(';')
      .map((c) => c.trim())
      .filter((c) => c !== '' && !c.startsWith(`${OP_SESSION_COOKIE}=`));
    if (!session) {
      req.headers.cookie = others.join('; ');
      return;
    }
    const current = parseCookie(raw)[OP_SESSION_COOKIE];
    const linked =
      current && /^[A-Za-z0-9_-]{1,64}$/.test(current)
        ? await linkedSignInSession(deps.store, current)
        : undefined;
    let id = current;
    if (linked !== session.id) {
      const loginTs = Math.floor(Date.parse(session.createdAt) / 1000);
      const opSession = new provider.Session();
      opSession.loginAccount({ accountId: session.userId, loginTs, amr: ['pwd'] });
      await signInSession.run({ sessionId: session.id, expiresAt: session.expiresAt }, () =>
        opSession.save(Math.max(session.expiresAt - Math.floor(Date.now() / 1000), 1)),
      );
      id = opSession.jti;
    }
    req.headers.cookie = [...others, `${OP_SESSION_COOKIE}=${id}`].join('; ');
  }

  /** The interaction endpoint: back to the authorization with a sign-in session, else to the hosted pages. */
  async function interaction(
    req: IncomingMessage,
    res: ServerResponse,
    provider: Provider,
    route: Route,
    uid: string,
    session: Session | undefined,
  ): Promise<void> {
    const details = await provider.interactionDetails(req, res).catch(() => undefined);
    if (!details || details.uid !== uid) {
      res.writeHead(400, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      });
      res.end(
        htmlPage(
          'Sign-in expired',
          '<h1>This sign-in request has expired or was already used.</h1><p>Go back to the application and start again.</p>',
        ),
      );
      return;
    }
    const params = details.params as Record<string, unknown>;
    const reasons = details.prompt.reasons ?? [];
    const mustSignInAgain = reasons.includes('login_prompt') || reasons.includes('max_age');
    const loginTs = session ? Math.floor(Date.parse(session.createdAt) / 1000) : 0;
    const fresh = session !== undefined && (!mustSignInAgain || loginTs >= (details.iat ?? 0));
    if (!fresh) {
      const client = await provider.Client.find(String(params.client_id ?? ''));
      const journey = (client?.proofline_journey as string | undefined) ?? deps.config.defaultJourney;
      const base = realmBasePath(route.realm);
      const pages = new URL(`${(deps.config.pagesUrl ?? route.origin).replace(/\/$/, '')}/`);
      pages.searchParams.set('realm', route.realm);
      pages.searchParams.set('journey', journey);
      pages.searchParams.set('goto', `${route.origin}${base}/interaction/${uid}`);
      redirect(res, pages.href);
      return;
    }
    // Signed in (freshly enough): the authorization request again, now with a session; prompt=login is met.
    const authorize = new URL(`${route.origin}${realmBasePath(route.realm)}/authorize`);
    for (const [key, value] of Object.entries(params)) {
      if (typeof value !== 'string') continue;
      if (key === 'prompt') {
        const rest = value
          .split(' ')
          .filter((p) => p !== 'login' && p !== '')
          .join(' ');
        if (rest) authorize.searchParams.set(key, rest);
        continue;
      }
      authorize.searchParams.set(key, value);
    }
    const stored = await provider.Interaction.find(uid);
    await stored?.destroy();
    redirect(res, authorize.href);
  }

  async function listener(req: IncomingMessage, res: ServerResponse, route: Route, path: string) {
    try {
      const provider = providerFor(route.realm, route.origin);
      const https = route.origin.startsWith('https:');
      (req.socket as { encrypted?: boolean }).encrypted = https;
      req.headers['x-forwarded-proto'] = https ? 'https' : 'http';
      delete req.headers['x-forwarded-host'];
      req.headers.host = new URL(route.origin).host;
      // The resume endpoint (`/authorize/{uid}`) takes no parameters; passed on, a `client_id` makes
      // oidc-provider's error page fail (500) when the interaction has expired.
      const resume = RESUME.test(route.rest);
      const query = !resume && req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
      (req as IncomingMessage & { originalUrl?: string }).originalUrl = `${path}${query}`;
      req.url = `${route.rest}${query}`;
      // Only the routes that use the provider's session read the sign-in session (token, userinfo, revocation,
      // discovery and keys take none: no reads, no provider session made for a cookie they happen to carry).
      const session = SESSION_ROUTES.test(route.rest) ? await signedIn(req, route.realm) : undefined;
      await bridge(req, provider, session);
      const uid = INTERACTION.exec(route.rest)?.[1];
      if (uid) {
        await interaction(req, res, provider, route, uid, session);
        return;
      }
      const handle = provider.callback();
      if (session) {
        await signInSession.run({ sessionId: session.id, expiresAt: session.expiresAt }, () =>
          handle(req, res),
        );
      } else {
        await handle(req, res);
      }
    } catch (error) {
      logger.error('OpenID Provider entry failed', { error: error as Error });
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify({ error: 'server_error', error_description: 'Internal Server Error' }));
      } else if (!res.writableEnded) res.end();
    }
  }

  return async (event: HttpEvent): Promise<HttpResult> => {
    const match = PATH.exec(event.rawPath);
    const realm = match?.[1] ?? 'root';
    if (!match) return amError(404, `No endpoint at ${event.rawPath}`);
    if (!realms.has(realm)) return amError(404, `Realm ${realm} not found`);
    const configured = deps.publicBaseUrl();
    const origin = (
      configured ??
      `${event.headers['x-forwarded-proto'] === 'http' ? 'http' : 'https'}://${event.requestContext.domainName}`
    ).replace(/\/$/, '');
    const route: Route = { realm, rest: match[2] ?? '/', origin };
    const run = serverless(
      (req: IncomingMessage, res: ServerResponse) => listener(req, res, route, event.rawPath),
      {
        provider: 'aws',
        binary: false,
      },
    );
    return (await run(event, {})) as HttpResult;
  };
}

import { randomBytes } from 'node:crypto';
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import { HttpError } from '../api/errors.js';
import { amError, cookie, type Endpoint, type HttpEvent, type HttpResult, router } from '../api/http.js';
import type { Session, User } from '../contract/data.js';
import { PAGE_ASSETS } from '../generated/pages.js';
import { escapeHtml } from '../shared/html.js';
import { logger } from '../shared/logger.js';

/**
 * The hosted pages (issue 12 §3, ADR 23): the journey app people use (`/`), its script and style
 * (`/pages/<asset>`), the signed-in summary (`/enduser/`) and the developer console (`/console`). One function
 * locally and on AWS, so that every HTML answer carries its own CSP nonce.
 */
export interface PagesConfig {
  /** Realms served besides root. */
  realms: readonly string[];
  /** The journeys the console lists. */
  journeys: readonly string[];
  /** The session cookie's name (AM's `iPlanetDirectoryPro`). */
  cookieName: string;
  /** The iProov sandbox's URL (local runtime only): the page plays its face scans there. */
  iproovSandboxUrl?: string;
  /** iProov's web SDK script (a real tenant): loaded with the page's nonce on an iProov step. */
  iproovWebSdkUrl?: string;
  /** iProov's tenant URL (a real tenant): the web SDK talks to it. */
  iproovBaseUrl?: string;
}

export interface PagesDeps {
  sessions: { find(token: string): Promise<Session | undefined> };
  users: { get(id: string): Promise<User | undefined> };
  config: PagesConfig;
}

type Lang = 'en' | 'fr';

/** The page's language: the first of `en` and `fr` in Accept-Language (default `en`). */
export function pageLanguage(acceptLanguage: string | undefined): Lang {
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0]?.trim().toLowerCase() ?? '';
    if (tag.startsWith('fr')) return 'fr';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}

const TEXT = {
  en: {
    title: 'Proofline',
    skip: 'Skip to content',
    loading: 'Loading…',
    noscript: 'These pages need JavaScript.',
    notFound: 'Page not found',
    notFoundText: 'There is no page at this address.',
    home: 'Go to the sign-in page',
    account: 'Your account',
    notSignedIn: 'You are not signed in.',
    signIn: 'Sign in',
    signedInAs: 'Signed in as',
    realm: 'Realm',
    name: 'Name',
    email: 'Email',
    verification: 'Identity verification',
    verified: 'Your identity was verified',
    provider: 'Verified by',
    level: 'Level of assurance',
    when: 'Verified on',
    documentName: 'Name on the document',
    document: 'Document',
    face: 'Face verified by',
    notVerified: 'Your identity has not been verified yet.',
    verifyNow: 'Verify your identity',
    changePassword: 'Change your password',
    signOut: 'Sign out',
  },
  fr: {
    title: 'Proofline',
    skip: 'Aller au contenu',
    loading: 'Chargement…',
    noscript: 'Ces pages ont besoin de JavaScript.',
    notFound: 'Page introuvable',
    notFoundText: "Il n'y a pas de page à cette adresse.",
    home: 'Aller à la page de connexion',
    account: 'Votre compte',
    notSignedIn: "Vous n'êtes pas connecté.",
    signIn: 'Se connecter',
    signedInAs: 'Connecté en tant que',
    realm: 'Royaume',
    name: 'Nom',
    email: 'E-mail',
    verification: "Vérification d'identité",
    verified: 'Votre identité a été vérifiée',
    provider: 'Vérifiée par',
    level: 'Niveau de garantie',
    when: 'Vérifiée le',
    documentName: 'Nom sur le document',
    document: 'Document',
    face: 'Visage vérifié par',
    notVerified: "Votre identité n'a pas encore été vérifiée.",
    verifyNow: 'Vérifier votre identité',
    changePassword: 'Changer votre mot de passe',
    signOut: 'Se déconnecter',
  },
} as const;

const REALM = /^[A-Za-z0-9_-]{1,64}$/;

/** The page's Content-Security-Policy: scripts only from here or with this response's nonce. */
export function contentSecurityPolicy(nonce: string, config: PagesConfig): string {
  const origin = (url: string | undefined): string | undefined => {
    if (!url) return undefined;
    try {
      return new URL(url).origin;
    } catch {
      return undefined;
    }
  };
  const sdk = origin(config.iproovWebSdkUrl);
  const connect = [origin(config.iproovSandboxUrl), origin(config.iproovBaseUrl)].filter(
    (o): o is string => o !== undefined,
  );
  return [
    "default-src 'self'",
    `script-src 'nonce-${nonce}' 'self'${sdk ? ` ${sdk}` : ''}`,
    "style-src 'self'",
    // IDEMIA's QR code is an SVG data URL.
    "img-src 'self' data:",
    `connect-src 'self'${connect.map((o) => ` ${o}`).join('')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');
}

function htmlResult(statusCode: number, body: string, nonce: string, config: PagesConfig): HttpResult {
  return {
    statusCode,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': contentSecurityPolicy(nonce, config),
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'strict-transport-security': 'max-age=15552000; includeSubDomains',
      'cache-control': 'no-store',
    },
    body,
  };
}

interface Shell {
  lang: Lang;
  nonce: string;
  title: string;
  /** `app` (the journeys), `enduser` or `console`. */
  page: string;
  main: string;
  settings: Record<string, unknown>;
  styles: string[];
  script: string;
}

function shell(s: Shell): string {
  const t = TEXT[s.lang];
  const settings = escapeHtml(JSON.stringify(s.settings));
  return `<!doctype html>
<html lang="${s.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(s.title)}</title>
<meta name="proofline" content="${settings}">
<link rel="icon" href="/pages/logo.svg" type="image/svg+xml">
${s.styles.map((href) => `<link rel="stylesheet" href="${href}">`).join('\n')}
</head>
<body data-page="${s.page}">
<a class="skip" href="#main">${t.skip}</a>
<header class="bar"><a class="brand" href="/"><img src="/pages/logo.svg" alt="" width="28" height="28"> Proofline</a></header>
<main id="main" tabindex="-1">
${s.main}
</main>
<script type="module" nonce="${s.nonce}" src="${s.script}"></script>
</body>
</html>
`;
}

/** `/enduser/`: who is signed in, in which realm, and what was verified — from the session cookie. */
async function enduserMain(event: HttpEvent, deps: PagesDeps, lang: Lang): Promise<string> {
  const t = TEXT[lang];
  const token = cookie(event, deps.config.cookieName);
  const session = token ? await deps.sessions.find(token) : undefined;
  const user = session ? await deps.users.get(session.userId) : undefined;
  if (!session || !user) {
    const realm = event.queryStringParameters?.realm?.replace(/^\//, '');
    const query = realm && REALM.test(realm) ? `?realm=${realm}` : '';
    return `<section class="card"><h1 id="title" tabindex="-1">${t.account}</h1>
<p>${t.notSignedIn}</p>
<p><a class="button" href="/${query}">${t.signIn}</a></p></section>`;
  }
  const realm = session.realm;
  const row = (label: string, value: string | undefined): string =>
    value ? `<dt>${label}</dt><dd>${escapeHtml(value)}</dd>` : '';
  const name = [user.givenName, user.sn].filter(Boolean).join(' ');
  const verification = user.identityVerification;
  const when = (iso: string | undefined): string | undefined =>
    iso
      ? `${new Date(iso).toLocaleString(lang === 'fr' ? 'fr-FR' : 'en-GB', {
          dateStyle: 'long',
          timeStyle: 'short',
          timeZone: 'UTC',
        })} UTC`
      : undefined;
  const date = when(verification?.verifiedAt);
  const documentName = [verification?.givenName, verification?.familyName].filter(Boolean).join(' ');
  const face = verification?.faceBinding
    ? `${verification.faceBinding.provider}, ${when(verification.faceBinding.verifiedAt)}`
    : undefined;
  const documentType = verification?.document?.type?.toLowerCase().replace(/_/g, ' ');
  const journey = (name: string): string => `/?realm=${encodeURIComponent(realm)}&journey=${name}`;
  const verified = verification
    ? `<p class="msg ok" id="verified">${t.verified}.</p><dl>${row(t.provider, verification.provider)}${row(
        t.level,
        verification.levelOfAssurance,
      )}${row(t.when, date)}${row(t.documentName, documentName || undefined)}${row(t.document, documentType)}${row(
        t.face,
        face,
      )}</dl>`
    : `<p id="verified">${t.notVerified}</p><p><a class="button secondary" href="${journey('IdentityProofing')}">${t.verifyNow}</a></p>`;
  return `<section class="card"><h1 id="title" tabindex="-1">${t.account}</h1>
<dl>${row(t.signedInAs, user.userName)}${row(t.realm, realm)}${row(t.name, name || undefined)}${row(t.email, user.mail)}</dl>
<h2>${t.verification}</h2>
${verified}
<p><a href="${journey('UpdatePassword')}">${t.changePassword}</a></p>
<button type="button" id="sign-out" data-realm="${escapeHtml(realm)}">${t.signOut}</button>
</section>`;
}

const ASSET_NAME = /^[a-z0-9-]+\.(js|css|svg)$/;

/** The hosted pages as an API Gateway HTTP API handler (GET and HEAD). */
export function createPagesHandler(deps: PagesDeps): (event: HttpEvent) => Promise<HttpResult> {
  const { config } = deps;
  const settingsOf = (event: HttpEvent) => ({
    realms: ['root', ...config.realms],
    journeys: config.journeys,
    ...(config.iproovSandboxUrl ? { iproovSandbox: config.iproovSandboxUrl } : {}),
    ...(config.iproovWebSdkUrl ? { iproovWebSdk: config.iproovWebSdkUrl } : {}),
    lang: pageLanguage(event.headers['accept-language']),
  });
  const nonceOf = (): string => randomBytes(18).toString('base64');

  const app = async (event: HttpEvent): Promise<HttpResult> => {
    const lang = pageLanguage(event.headers['accept-language']);
    const nonce = nonceOf();
    const body = shell({
      lang,
      nonce,
      title: TEXT[lang].title,
      page: 'app',
      main: `<p class="loading" role="status">${TEXT[lang].loading}</p><noscript><p>${TEXT[lang].noscript}</p></noscript>`,
      settings: settingsOf(event),
      styles: ['/pages/app.css'],
      script: '/pages/app.js',
    });
    return htmlResult(200, body, nonce, config);
  };

  const enduser = async (event: HttpEvent): Promise<HttpResult> => {
    const lang = pageLanguage(event.headers['accept-language']);
    const nonce = nonceOf();
    const body = shell({
      lang,
      nonce,
      title: `${TEXT[lang].account} — Proofline`,
      page: 'enduser',
      main: await enduserMain(event, deps, lang),
      settings: settingsOf(event),
      styles: ['/pages/app.css'],
      script: '/pages/app.js',
    });
    return htmlResult(200, body, nonce, config);
  };

  const consolePage = async (event: HttpEvent): Promise<HttpResult> => {
    const nonce = nonceOf();
    const body = shell({
      lang: 'en',
      nonce,
      title: 'Proofline — developer console',
      page: 'console',
      main: `<h1>Developer console</h1>
<p>Runs any journey through the callbacks API and shows the raw JSON of each answer. Realm:
  <select id="realm" aria-label="Realm">${['alpha', 'root', ...config.realms.filter((r) => r !== 'alpha')]
    .map((r) => `<option>${escapeHtml(r)}</option>`)
    .join('')}</select></p>
<nav id="journeys" aria-label="Journeys"></nav>
<div id="step"></div>
<details><summary>Last response</summary><pre id="raw"></pre></details>`,
      settings: settingsOf(event),
      styles: ['/pages/console.css'],
      script: '/pages/console.js',
    });
    return htmlResult(200, body, nonce, config);
  };

  const asset = async (event: HttpEvent): Promise<HttpResult> => {
    const name = event.pathParameters?.asset ?? '';
    const file = ASSET_NAME.test(name) ? PAGE_ASSETS[name] : undefined;
    if (!file) throw new HttpError(404, `No page at ${event.rawPath}`);
    return {
      statusCode: 200,
      headers: {
        'content-type': file.type,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-cache',
        ...(name.endsWith('.svg')
          ? { 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" }
          : {}),
      },
      body: file.body,
    };
  };

  const endpoints: Endpoint[] = (
    [
      ['/', app],
      ['/pages/{asset}', asset],
      ['/enduser', enduser],
      ['/console', consolePage],
    ] as const
  ).flatMap(([path, handler]) => [
    { method: 'GET' as const, path, handler },
    { method: 'HEAD' as const, path, handler },
  ]);
  const route = router(endpoints);

  const notFound = (event: HttpEvent, statusCode: number): HttpResult => {
    const lang = pageLanguage(event.headers?.['accept-language']);
    const t = TEXT[lang];
    const nonce = nonceOf();
    const title = statusCode === 404 ? t.notFound : 'Error';
    return htmlResult(
      statusCode,
      shell({
        lang,
        nonce,
        title,
        page: 'error',
        main: `<section class="card"><h1 id="title" tabindex="-1">${title}</h1><p>${statusCode === 404 ? t.notFoundText : ''}</p><p><a href="/">${t.home}</a></p></section>`,
        settings: settingsOf(event),
        styles: ['/pages/app.css'],
        script: '/pages/app.js',
      }),
      nonce,
      config,
    );
  };

  const errors: middy.MiddlewareObj<HttpEvent, HttpResult> = {
    onError: async (request) => {
      const error = request.error;
      // A browser's navigation (Fetch Metadata) gets a page; anything else — programs, and paths that only
      // normalized onto the pages (`/json/%2e%2e/x`) — AM's error shape, as the API answers.
      const headers = request.event.headers ?? {};
      const wantsHtml = headers['sec-fetch-mode'] === 'navigate' || headers['sec-fetch-dest'] === 'document';
      if (error instanceof HttpError && error.expose && !wantsHtml) {
        const result = amError(error.statusCode, error.message);
        request.response = {
          ...result,
          headers: {
            ...result.headers,
            'x-content-type-options': 'nosniff',
            ...(error.statusCode === 405 ? { allow: 'GET, HEAD' } : {}),
          },
        };
        return;
      }
      if (error instanceof HttpError && error.expose) {
        const result = notFound(request.event, error.statusCode);
        request.response =
          error.statusCode === 405
            ? { ...result, headers: { ...result.headers, allow: 'GET, HEAD' } }
            : result;
        return;
      }
      logger.error('Unhandled error', { error: error as Error, path: request.event.rawPath });
      // Never a 5XX for a page that cannot be shown: the store may be unreachable; say so in words.
      request.response = { ...notFound(request.event, 503) };
    },
  };
  const handler = middy<HttpEvent, HttpResult>()
    .use(httpHeaderNormalizer() as middy.MiddlewareObj<HttpEvent, HttpResult>)
    .use(errors)
    .handler(route);
  return (event) => handler(event, {} as never);
}

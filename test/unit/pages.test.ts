import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HttpEvent, HttpResult } from '../../functions/api/http.js';
import type { Session, User } from '../../functions/contract/data.js';
import { createPagesHandler, type PagesDeps, pageLanguage } from '../../functions/pages/app.js';
import { pagesModule } from '../../scripts/pages-assets.js';

const TOKEN = 'a'.repeat(43);
const session: Session = {
  id: 'hash',
  userId: 'user-1',
  userName: 'ada',
  realm: 'alpha',
  createdAt: '2026-01-01T00:00:00.000Z',
  expiresAt: 4_000_000_000,
} as Session;
const user: User = {
  id: 'user-1',
  userName: 'ada',
  givenName: 'Ada',
  sn: 'Lovelace',
  mail: 'ada@example.com',
  realm: 'alpha',
  accountStatus: 'active',
  loginCount: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  identityVerification: {
    provider: 'IDEMIA',
    levelOfAssurance: 'LOA2',
    verifiedAt: '2026-01-02T10:00:00.000Z',
    sessionId: 's',
    givenName: 'Ada',
    familyName: 'Lovelace',
    document: { type: 'PASSPORT' },
    faceBinding: { provider: 'iProov', verifiedAt: '2026-01-02T10:05:00.000Z' },
  },
};

function deps(verified = true): PagesDeps {
  return {
    sessions: { find: async (token) => (token === TOKEN ? session : undefined) },
    users: {
      get: async (id) => {
        if (id !== user.id) return undefined;
        if (verified) return user;
        const { identityVerification: _v, ...rest } = user;
        return rest;
      },
    },
    config: {
      realms: ['alpha'],
      journeys: ['Login', 'Registration'],
      cookieName: 'iPlanetDirectoryPro',
      iproovSandboxUrl: 'http://127.0.0.1:9999',
    },
  };
}

function event(path: string, init: { method?: string; headers?: Record<string, string> } = {}): HttpEvent {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: init.headers ?? {},
    requestContext: {
      http: {
        method: init.method ?? 'GET',
        path,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 't',
      },
    },
    isBase64Encoded: false,
  } as unknown as HttpEvent;
}

const header = (result: HttpResult, name: string): string => String(result.headers?.[name] ?? '');

describe('hosted pages', () => {
  const pages = createPagesHandler(deps());

  it('are served from an up-to-date functions/generated/pages.ts (npm run pages:assets)', () => {
    const generated = readFileSync(new URL('../../functions/generated/pages.ts', import.meta.url), 'utf8');
    expect(generated).toBe(pagesModule());
  });

  it('answer / with the app shell and a fresh CSP nonce on every response, no unsafe-inline', async () => {
    const [first, second] = [await pages(event('/')), await pages(event('/'))];
    const nonceOf = (r: HttpResult) => /'nonce-([^']+)'/.exec(header(r, 'content-security-policy'))?.[1];
    const csp = header(first, 'content-security-policy');

    expect(first.statusCode).toBe(200);
    expect(header(first, 'content-type')).toBe('text/html; charset=utf-8');
    expect(nonceOf(first)).toMatch(/^[A-Za-z0-9+/=]{24}$/);
    expect(nonceOf(first)).not.toBe(nonceOf(second));
    expect(first.body).toContain(
      `<script type="module" nonce="${nonceOf(first)}" src="/pages/app.js"></script>`,
    );
    expect(csp).not.toContain('unsafe-inline');
    for (const directive of [
      "style-src 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "object-src 'none'",
      "img-src 'self' data:",
      "connect-src 'self' http://127.0.0.1:9999",
    ])
      expect(csp).toContain(directive);
    expect(header(first, 'x-frame-options')).toBe('DENY');
  });

  it('speak French to a French browser', async () => {
    const page = await pages(event('/', { headers: { 'Accept-Language': 'fr-CA,fr;q=0.9,en;q=0.5' } }));
    expect(page.body).toContain('<html lang="fr">');
    expect(pageLanguage('de, en;q=0.5')).toBe('en');
    expect(pageLanguage(undefined)).toBe('en');
  });

  it('serve the assets, HEAD included, and 404 anything else (HTML for a browser’s navigation, JSON otherwise)', async () => {
    const script = await pages(event('/pages/app.js'));
    const head = await pages(event('/pages/app.css', { method: 'HEAD' }));
    const unknown = await Promise.all(
      [
        '/nothing',
        '/pages/nothing.js',
        '/pages/..%2fapp.ts',
        '/pages/APP.JS',
        '/enduser/x',
        '/index.html',
      ].map((p) => pages(event(p, { headers: { 'sec-fetch-mode': 'navigate' } }))),
    );
    const program = await pages(event('/nothing'));
    const post = await pages(event('/', { method: 'POST' }));

    expect(script.statusCode).toBe(200);
    expect(header(script, 'content-type')).toBe('text/javascript; charset=utf-8');
    expect(head.statusCode).toBe(200);
    expect(unknown.map((r) => r.statusCode)).toEqual([404, 404, 404, 404, 404, 404]);
    expect(unknown[0]?.body).toContain('Page not found');
    expect(post.statusCode).toBe(405);
    expect(JSON.parse(program.body ?? '')).toEqual({
      code: 404,
      reason: 'Not Found',
      message: 'No endpoint at /nothing',
    });
  });

  it('summarise who is signed in and what was verified at /enduser/, with sign-out', async () => {
    const signedIn = await pages(event('/enduser/', { headers: { cookie: `iPlanetDirectoryPro=${TOKEN}` } }));
    const unverified = await createPagesHandler(deps(false))(
      event('/enduser', { headers: { cookie: `iPlanetDirectoryPro=${TOKEN}` } }),
    );
    const anonymous = await pages(event('/enduser/', { headers: { cookie: 'iPlanetDirectoryPro=forged' } }));

    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.body).toContain('<dd>ada</dd>');
    expect(signedIn.body).toContain('<dd>Ada Lovelace</dd>');
    expect(signedIn.body).toContain('Your identity was verified');
    expect(signedIn.body).toContain('<dd>LOA2</dd>');
    // What IdentityProofing recorded: the name on the document, its type, and the face bound to it.
    expect(signedIn.body).toContain('<dt>Name on the document</dt><dd>Ada Lovelace</dd>');
    expect(signedIn.body).toContain('<dt>Document</dt><dd>passport</dd>');
    expect(signedIn.body).toContain('<dt>Face verified by</dt><dd>iProov, 2 January 2026 at 10:05 UTC</dd>');
    expect(signedIn.body).toContain('id="sign-out" data-realm="alpha"');
    expect(unverified.body).toContain('has not been verified yet');
    expect(unverified.body).toContain('journey=IdentityProofing');
    expect(anonymous.statusCode).toBe(200);
    expect(anonymous.body).toContain('You are not signed in.');
  });

  it('keep the developer console, on its own route', async () => {
    const page = await pages(event('/console'));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('src="/pages/console.js"');
    expect((await pages(event('/pages/console.js'))).body).toContain('function render(');
  });
});

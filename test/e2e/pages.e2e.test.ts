import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { register, target } from './client.js';

/** The hosted pages (ADR 23) through the target's HTTP front door: the app shell and the signed-in summary. */
describe.skipIf(!target.baseUrl)(`hosted pages (${target.name})`, () => {
  const page = (path: string, headers: Record<string, string> = {}) =>
    fetch(new URL(path, target.baseUrl), { headers: { accept: 'text/html', ...headers } });

  it('serves / with a per-response CSP nonce and its script', async () => {
    const response = await page('/');
    const html = await response.text();
    const nonce = /'nonce-([^']+)'/.exec(response.headers.get('content-security-policy') ?? '')?.[1];

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(nonce).toEqual(expect.any(String));
    expect(html).toContain(`nonce="${nonce}" src="/pages/app.js"`);
    expect((await page('/pages/app.js')).status).toBe(200);
  });

  it('serves /enduser/: not signed in, then the signed-in user with the session cookie', async () => {
    const userName = `e2e-${randomBytes(6).toString('hex')}`;
    const done = await register(userName);
    const token = done.body.tokenId as string;

    const anonymous = await page('/enduser/');
    const signedIn = await page('/enduser/', { cookie: `iPlanetDirectoryPro=${token}` });
    const html = await signedIn.text();

    expect(anonymous.status).toBe(200);
    expect(await anonymous.text()).toContain('You are not signed in.');
    expect(signedIn.status).toBe(200);
    expect(html).toContain(`<dd>${userName}</dd>`);
    expect(html).toContain('id="sign-out"');
  });
});

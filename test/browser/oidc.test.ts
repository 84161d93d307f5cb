import { describe, expect, it } from 'vitest';
import { register } from '../integration/am-client.js';
import { baseUrl, PASSWORD, screenshot, uniqueName, useBrowser } from './browser.js';

/**
 * An OpenID Connect code flow from the sample application (`/sample-app/`, public client `proofline-demo`,
 * PKCE in the browser): the provider sends the person to the hosted pages, the Login journey signs them in, the
 * pages go back to the provider (goto), the application gets its code and tokens. Then sign-out through the
 * provider ends the sign-in session.
 */
const chromium = useBrowser();

describe('OIDC code flow from a sample application', () => {
  it('signs in on the hosted pages and comes back with tokens; sign-out ends the session', async () => {
    const userName = uniqueName('rp');
    await register(userName);
    const { page, problems } = await chromium.open();
    await page.goto(`${baseUrl()}/sample-app/`);
    await page.getByRole('button', { name: 'Sign in with Proofline' }).click();
    // The provider had no session: the hosted pages run Login, with goto back to the provider.
    await page.waitForURL((url) => url.pathname === '/' && url.searchParams.has('goto'));
    expect(new URL(page.url()).searchParams.get('journey')).toBe('Login');
    await screenshot(page, 'oidc-sign-in');
    await page.getByLabel('Username').fill(userName);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Next' }).click();
    // Back at the application, which exchanged the code and called userinfo.
    await page.waitForURL((url) => url.pathname === '/sample-app/');
    await page.getByRole('heading', { name: 'UserInfo' }).waitFor();
    const shown = await page.locator('#result').innerText();
    expect(shown).toContain(`"preferred_username": "${userName}"`);
    expect(shown).toContain('"aud": "proofline-demo"');
    expect(shown).toContain(`"iss": "${baseUrl()}/oauth2/realms/root/realms/alpha"`);
    await screenshot(page, 'oidc-signed-in');

    // A second sign-in needs no journey: the session answers at once (no hosted page on the way).
    await page.locator('#result').evaluate((result) => result.replaceChildren());
    const visited: string[] = [];
    page.on('framenavigated', (frame) => visited.push(new URL(frame.url()).pathname));
    await page.getByRole('button', { name: 'Sign in with Proofline' }).click();
    await page.getByRole('heading', { name: 'UserInfo' }).waitFor();
    expect(visited).not.toContain('/');

    // Sign-out through the provider (RP-initiated logout), confirmed: the sign-in session ends too.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL((url) => url.pathname === '/sample-app/');
    await page.goto(`${baseUrl()}/enduser/`);
    expect(await page.locator('main').innerText()).toContain('You are not signed in.');
    expect(problems).toEqual([]);
  });
});

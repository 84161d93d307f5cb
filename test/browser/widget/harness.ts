import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { type Runtime, startRuntime } from '../../../infra/local/runtime.js';
import { launchChromium } from '../chromium.js';
import { type SampleApp, startSampleApp } from './app.js';

export const SCREENSHOTS = 'test-results/widget';

export interface Harness {
  runtime: Runtime;
  app: SampleApp;
  browser: Browser;
  /** Requests the pages tried beyond loopback (refused). */
  offline: string[];
  stop(): Promise<void>;
}

/**
 * The embedded runtime (in-memory) with the client a site registers for the Widget's defaults —
 * `WebLoginWidgetClient`, public, PKCE, redirect URI the page's own URL, scope `openid email` — the sample app
 * on another port of 127.0.0.1 (its origin allowed by CORS_ORIGINS; the IPA redirect returns to it via
 * UI_BASE_URL), and Chromium.
 */
export async function startHarness(): Promise<Harness> {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  let prooflineUrl = '';
  const app = await startSampleApp(() => prooflineUrl);
  const runtime = await startRuntime({
    port: 0,
    env: {
      ...process.env,
      REALMS: 'alpha',
      CORS_ORIGINS: app.origin,
      UI_BASE_URL: app.origin,
      OIDC_CLIENTS: JSON.stringify([
        {
          realm: 'alpha',
          client_id: 'WebLoginWidgetClient',
          token_endpoint_auth_method: 'none',
          redirect_uris: [app.url],
          scope: 'openid email',
        },
      ]),
    },
  });
  prooflineUrl = runtime.url;
  const browser = await launchChromium();
  await mkdir(SCREENSHOTS, { recursive: true });
  return {
    runtime,
    app,
    browser,
    offline: [],
    async stop() {
      await browser.close();
      await app.stop();
      await runtime.stop();
    },
  };
}

/** A fresh browser context (own cookies and storage) on the sample app, Widget mounted. */
export async function openApp(harness: Harness): Promise<Page> {
  const context = await harness.browser.newContext();
  // No network beyond loopback. The Widget's bundle (its PingOne Protect module) asks for
  // https://apps.pingone.com/signals/sdk/pong.css on load: refused here, recorded in `offline`.
  await context.route(
    (url) => url.hostname !== '127.0.0.1',
    (route) => {
      harness.offline.push(route.request().url());
      return route.abort('blockedbyclient');
    },
  );
  const page = await context.newPage();
  if (process.env.WIDGET_TRACE) {
    page.on('response', (r) =>
      console.log(`${r.status()} ${r.request().method()} ${r.url()} ${r.headers().location ?? ''}`),
    );
    page.on('requestfailed', (r) => console.log(`failed ${r.url()} ${r.failure()?.errorText}`));
    page.on('console', (m) => console.log(`console: ${m.text()}`));
  }
  page.on('request', (request) => {
    if (request.url().includes('/oauth2/')) oauthRequests(page).push(`${request.method()} ${request.url()}`);
  });
  page.on('pageerror', (error) => console.error(`page error: ${error.message || JSON.stringify(error)}`));
  await page.goto(harness.app.url);
  await page.waitForFunction(() => 'widgetApp' in globalThis);
  return page;
}

const oauth = new WeakMap<Page, string[]>();

/** The page's requests to the OpenID Provider (`METHOD url`), its iframes' included. */
export function oauthRequests(page: Page): string[] {
  let list = oauth.get(page);
  if (!list) {
    list = [];
    oauth.set(page, list);
  }
  return list;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
}

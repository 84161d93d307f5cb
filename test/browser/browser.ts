import { mkdir, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, inject } from 'vitest';
import { launchChromium } from './chromium.js';

/** Starts Chromium; the previous run's screenshots are removed first. */
async function launch(): Promise<Browser> {
  await rm('test-results/browser', { recursive: true, force: true });
  return launchChromium();
}

export const baseUrl = (): string => inject('baseUrl');

export interface Tab {
  context: BrowserContext;
  page: Page;
  /** Console errors and CSP violations the page reported. */
  problems: string[];
}

/**
 * What the running test did, for its failure report: each request of its browser contexts and its answer, and
 * the test's own calls (`note`), timed from the test's start. A failed test prints the last of them, so that a
 * failure in CI says where it stopped (which request went unanswered, which answer came back) — not only that it
 * timed out.
 */
const activity: string[] = [];
let activityStart = Date.now();
const contexts: BrowserContext[] = [];

export function note(line: string): void {
  activity.push(`+${((Date.now() - activityStart) / 1000).toFixed(1)}s ${line}`);
  if (activity.length > 40) activity.shift();
}

/** A URL as the report shows it: its path and the query's names (no values: they carry authIds and codes). */
const shown = (url: string): string => {
  const u = new URL(url);
  const names = [...u.searchParams.keys()];
  return `${u.port ? `:${u.port}` : u.host}${u.pathname}${names.length ? `?${names.join('&')}` : ''}`;
};

/**
 * For a test file: before each test the report starts afresh; after a failed one (a timeout included) it is
 * printed; after each, the browser contexts the test opened are closed — pages of earlier tests never poll on.
 */
function reportFailures(): void {
  beforeEach(() => {
    activity.length = 0;
    activityStart = Date.now();
  });
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail')
      console.error(
        `What "${context.task.name}" did, last first:\n  ${[...activity].reverse().join('\n  ')}`,
      );
    // Bounded: Chromium's close can hang on a page caught mid-navigation (see the phone in journeys.test.ts);
    // a context left open then goes with the browser after the file.
    const closing = Promise.all(contexts.splice(0).map((c) => c.close().catch(() => undefined)));
    const wait = new AbortController();
    const late = await Promise.race([
      closing,
      sleep(10_000, 'late' as const, { signal: wait.signal }).catch(() => undefined),
    ]);
    wait.abort();
    if (late === 'late')
      console.error(`"${context.task.name}": its browser contexts did not close within 10 s`);
  });
}

/**
 * For a test file: Chromium, started before its tests and closed after them, each test's failure report
 * (`reportFailures`), and `open` for a fresh browser profile.
 */
export function useBrowser(): { open(locale?: string): Promise<Tab> } {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });
  reportFailures();
  return {
    open: (locale) => {
      if (!browser) throw new Error('Chromium is not running: open a browser profile inside a test');
      return open(browser, locale);
    },
  };
}

/** A fresh browser profile (cookies, sessionStorage) in the given language. */
async function open(browser: Browser, locale = 'en-GB'): Promise<Tab> {
  const context = await browser.newContext({ locale, viewport: { width: 420, height: 900 } });
  contexts.push(context);
  context.on('request', (r) => note(`→ ${r.method()} ${shown(r.url())}`));
  context.on('response', (r) => note(`← ${r.status()} ${r.request().method()} ${shown(r.url())}`));
  context.on('requestfailed', (r) =>
    note(`✗ ${r.method()} ${shown(r.url())}: ${r.failure()?.errorText ?? 'failed'}`),
  );
  const page = await context.newPage();
  const problems: string[] = [];
  const watch = (p: Page) =>
    p.on('console', (message) => {
      // A failed request is reported by the page itself (4XX answers are expected: a wrong password is a 401).
      if (message.type() === 'error' && !/status of (4\d\d)/.test(message.text()))
        problems.push(message.text());
    });
  watch(page);
  context.on('page', watch);
  page.on('pageerror', (error) => problems.push(String(error)));
  return { context, page, problems };
}

let shots = 0;
/** A full-page screenshot under test-results/browser/ (git-ignored). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir('test-results/browser', { recursive: true });
  shots += 1;
  await page.screenshot({
    path: `test-results/browser/${String(shots).padStart(2, '0')}-${name}.png`,
    fullPage: true,
  });
}

let counter = 0;
export const uniqueName = (prefix = 'web'): string =>
  `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}${Math.floor(Math.random() * 1e4)}`;

export const PASSWORD = 'Secret-Passw0rd';
export const NEW_PASSWORD = 'Another-Passw0rd';

/** The latest mail to an address in the local outbox, once it is there. */
export async function mailTo(address: string): Promise<{ text: string; subject?: string }> {
  note('test: waiting for a mail in GET /outbox');
  for (let i = 0; i < 100; i++) {
    const response = await fetch(`${baseUrl()}/outbox`, { signal: AbortSignal.timeout(10_000) });
    const mails = (await response.json()) as Array<{
      to: string;
      text: string;
      subject?: string;
    }>;
    const mail = mails.find((m) => m.to === address);
    if (mail) {
      note(`test: the mail came, ${i + 1} look(s) at the outbox`);
      return mail;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no mail to ${address}`);
}

export const linkIn = (text: string): string => {
  const link = /https?:\/\/\S+/.exec(text)?.[0];
  if (!link) throw new Error(`no link in ${text}`);
  return link;
};

/** Two security questions as a person answers them: a predefined one, and one of their own. */
export async function defineSecurityQuestions(page: Page): Promise<void> {
  const questions = page.getByLabel('Security question', { exact: true });
  await questions.first().waitFor();
  const answers = page.getByLabel('Answer', { exact: true });
  await questions.nth(0).selectOption("What's your favorite color?");
  await answers.nth(0).fill('blue');
  await questions.nth(1).selectOption({ label: 'Write your own question…' });
  await page.getByLabel('Your question').nth(1).fill('Name of my first cat?');
  await answers.nth(1).fill('mistigri');
}

import { mkdir, rm } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { inject } from 'vitest';
import { launchChromium } from './chromium.js';

/** Starts Chromium; the previous run's screenshots are removed first. */
export async function launch(): Promise<Browser> {
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

/** A fresh browser profile (cookies, sessionStorage) in the given language. */
export async function open(browser: Browser, locale = 'en-GB'): Promise<Tab> {
  const context = await browser.newContext({ locale, viewport: { width: 420, height: 900 } });
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
  for (let i = 0; i < 100; i++) {
    const mails = (await (await fetch(`${baseUrl()}/outbox`)).json()) as Array<{
      to: string;
      text: string;
      subject?: string;
    }>;
    const mail = mails.find((m) => m.to === address);
    if (mail) return mail;
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

import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { register, securityAnswer } from '../integration/am-client.js';
import {
  baseUrl,
  defineSecurityQuestions,
  linkIn,
  mailTo,
  NEW_PASSWORD,
  note,
  PASSWORD,
  screenshot,
  type Tab,
  uniqueName,
  useBrowser,
} from './browser.js';

/** Every journey on the hosted pages, in Chromium, as a person would: by labels, roles and visible text. */
const chromium = useBrowser();
const tab = (locale?: string): Promise<Tab> => chromium.open(locale);

const text = async (page: Page): Promise<string> =>
  (await page.locator('main').innerText()).replace(/\s+/g, ' ');

async function signIn(page: Page, userName: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(userName);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Next' }).click();
}

async function fillRegistration(page: Page, userName: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(userName);
  await page.getByLabel('First Name').fill('Ada');
  await page.getByLabel('Last Name').fill('Lovelace');
  await page.getByLabel('Email Address').fill(`${userName}@example.com`);
  await page.getByLabel('Send me news and updates').check();
  await page.getByLabel('Password', { exact: true }).fill(password);
  await defineSecurityQuestions(page);
  await page.getByLabel('I accept the terms and conditions').check();
}

/** IdentityProofing up to the choice of delivery, signed in on the way. */
async function proofingChoice(page: Page, userName: string): Promise<void> {
  note('test: IdentityProofing, signing in');
  await page.goto(`${baseUrl()}/?journey=IdentityProofing`);
  await signIn(page, userName, PASSWORD);
  await page.getByRole('button', { name: 'Scan a QR code' }).waitFor();
}

/** The face step (iProov sandbox stand-in), passed: the journey ends on the account page. */
async function passFace(page: Page, name: string): Promise<void> {
  note('test: waiting for the face step');
  await page.getByRole('heading', { name: 'Face check' }).waitFor({ timeout: 60_000 });
  await screenshot(page, `${name}-face`);
  await page.getByRole('button', { name: 'Pass' }).click();
  await page.waitForURL(/\/enduser\//, { timeout: 30_000 });
}

async function expectVerified(page: Page, name: string): Promise<void> {
  await page.getByRole('heading', { name: 'Your account' }).waitFor();
  const summary = await text(page);
  expect(summary).toContain('Your identity was verified');
  expect(summary).toContain('LOA2');
  await screenshot(page, `${name}-verified`);
}

describe('hosted pages in Chromium', () => {
  it('Registration: requirements before submitting, failures in words, then the account page', async () => {
    const { page, problems } = await tab();
    const userName = uniqueName('reg');
    await page.goto(`${baseUrl()}/?journey=Registration`);
    await page.getByRole('heading', { name: 'Sign Up' }).waitFor();
    // The entry points, and the password's requirements shown before anything is submitted.
    for (const link of ['Sign in', 'Create an account', 'Verify your identity', 'Forgot your password?'])
      await page.getByRole('navigation').getByRole('link', { name: link }).waitFor();
    expect(await text(page)).toContain('At least one capital letter');
    expect(await text(page)).toContain('At least 8 characters');
    // AM's description (HTML): its journey link leads to this page's Login, no markup shown as text.
    expect(await page.getByRole('link', { name: 'Sign In', exact: true }).getAttribute('href')).toContain(
      'journey=Login',
    );
    expect(await text(page)).not.toContain('<br>');
    await screenshot(page, 'registration');

    await fillRegistration(page, userName, 'weak');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('.errors').first().waitFor();
    const errors = await page.locator('.errors').allInnerTexts();
    expect(errors.join(' ')).toContain('At least 8 characters');
    expect(await page.getByLabel('Password', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    // Focus moved to the new step's heading.
    expect(await page.locator('#title').evaluate((h) => h === h.ownerDocument.activeElement)).toBe(true);
    await screenshot(page, 'registration-failed-policies');

    await fillRegistration(page, userName, PASSWORD);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.waitForURL(/\/enduser\//);
    const summary = await text(page);
    expect(summary).toContain(userName);
    expect(summary).toContain('Ada Lovelace');
    expect(summary).toContain('has not been verified yet');
    await screenshot(page, 'registration-done');
    expect(problems).toEqual([]);
  });

  it('Login: a wrong password in words with a way forward, then signed in, then signed out', async () => {
    const { page, problems } = await tab();
    const userName = uniqueName('login');
    await register(userName);
    await page.goto(`${baseUrl()}/`);
    // Password managers fill the sign-in form: the current password, not a new one.
    expect(await page.getByLabel('Password').getAttribute('autocomplete')).toBe('current-password');
    expect(await page.getByLabel('Username').getAttribute('autocomplete')).toBe('username');
    await signIn(page, userName, 'Wrong-Passw0rd');
    await page.getByRole('alert').filter({ hasText: 'Invalid username or password.' }).waitFor();
    await page.getByRole('navigation').getByRole('link', { name: 'Forgot your password?' }).waitFor();
    await screenshot(page, 'login-wrong-password');

    await signIn(page, userName, PASSWORD);
    await page.waitForURL(/\/enduser\//);
    expect(await text(page)).toContain(userName);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/signedOut=1/);
    await page.getByText('You have signed out.').waitFor();
    await page.goto(`${baseUrl()}/enduser/`);
    expect(await text(page)).toContain('You are not signed in.');
    await screenshot(page, 'signed-out');
    expect(problems).toEqual([]);
  });

  it('Login: locking an account reads exactly like failing with a name nobody holds (no oracle), with a way forward', async () => {
    const { page, problems } = await tab();
    const userName = uniqueName('locked');
    await register(userName);
    await page.goto(`${baseUrl()}/`);
    /** Signs in and waits for the next step (a new form) under the answer's message: the page's text. */
    const signInAnswer = async (name: string, password: string): Promise<string> => {
      await page.locator('main form').evaluate((form) => form.setAttribute('data-answered', ''));
      await signIn(page, name, password);
      await page.locator('main form:not([data-answered])').waitFor();
      await page.getByRole('alert').waitFor();
      return await text(page);
    };
    // The Login journey locks an account at its 3rd failure in a row (ADR 10); then even the right password is
    // refused.
    const known = [];
    for (let i = 0; i < 3; i++) known.push(await signInAnswer(userName, 'Wrong-Passw0rd'));
    known.push(await signInAnswer(userName, PASSWORD));
    await screenshot(page, 'login-locked');
    // The same four tries with a name nobody holds: the same pages, word for word.
    const nobody = uniqueName('nobody');
    const unknown = [];
    for (let i = 0; i < 4; i++) unknown.push(await signInAnswer(nobody, PASSWORD));
    expect(known).toEqual(unknown);
    expect(known[0]).toContain('Invalid username or password.');
    // Once locked, the words say what may have happened and how out, for anyone: never "this account is locked".
    expect(known[3]).toContain('After several failed attempts the account is locked');
    expect(known[3]).toContain('Forgot your password?');
    expect(problems).toEqual([]);
  });

  it('Login with goto: follows it to this origin’s /oauth2/ only (no open redirect)', async () => {
    const { page } = await tab();
    const userName = uniqueName('goto');
    await register(userName);
    const authorize = `${baseUrl()}/oauth2/realms/root/realms/alpha/authorize?client_id=demo`;
    await page.goto(`${baseUrl()}/?realm=alpha&journey=Login&goto=${encodeURIComponent(authorize)}`);
    await signIn(page, userName, PASSWORD);
    await page.waitForURL((url) => url.pathname.startsWith('/oauth2/'));
    expect(page.url()).toBe(authorize);

    const { page: other } = await tab();
    await other.goto(
      `${baseUrl()}/?journey=Login&goto=${encodeURIComponent('https://evil.example/oauth2/x')}`,
    );
    await signIn(other, userName, PASSWORD);
    await other.waitForURL(/\/enduser\//);
    expect(new URL(other.url()).origin).toBe(baseUrl());
  });

  it('IdentityProofing by QR code: QR, link and a waiting indicator; the sandbox verifies; the face step', async () => {
    const { page, problems } = await tab();
    const userName = uniqueName('qr');
    await register(userName);
    await proofingChoice(page, userName);
    await screenshot(page, 'proofing-choice');
    await page.getByRole('button', { name: 'Scan a QR code' }).click();
    await page.getByRole('img', { name: 'QR code to scan with your phone' }).waitFor();
    const waiting = page.getByRole('status').filter({ has: page.locator('.spinner') });
    await waiting.waitFor();
    expect(await waiting.getAttribute('aria-live')).toBe('polite');
    const link = page.getByRole('link', { name: 'Or open the link on this device' });
    await screenshot(page, 'proofing-qr');

    // The phone: another device, a browser profile of its own.
    const { page: phone } = await tab();
    await phone.goto((await link.getAttribute('href')) ?? '');
    await phone.getByRole('button', { name: 'Verified, LOA2' }).click();
    // The person reads IDEMIA's confirmation, then puts the phone away. (Closing the page while its form's
    // answer was still being committed hung Chromium's close in CI, twice in 30 runs.)
    await phone.getByRole('heading', { name: 'Done' }).waitFor();
    await phone.close();
    await passFace(page, 'proofing-qr');
    await expectVerified(page, 'proofing-qr');
    expect(problems).toEqual([]);

    // IProovLogin, now that the face is enrolled: the sandbox's Pass button signs in.
    await page.goto(`${baseUrl()}/?journey=IProovLogin`);
    await signIn(page, userName, PASSWORD);
    await passFace(page, 'iproov-login');
    expect(await text(page)).toContain(userName);
  });

  it('IdentityProofing by email: the mailed link, followed on another device', async () => {
    const { page } = await tab();
    const userName = uniqueName('mail');
    await register(userName);
    await proofingChoice(page, userName);
    await page.getByRole('button', { name: 'Send me an email' }).click();
    await page
      .getByRole('status')
      .filter({ has: page.locator('.spinner') })
      .waitFor();
    await screenshot(page, 'proofing-email');
    const mail = await mailTo(`${userName}@example.com`);

    const { page: phone } = await tab();
    await phone.goto(linkIn(mail.text));
    await phone.getByRole('button', { name: 'Verified, LOA2' }).click();
    // The person reads IDEMIA's confirmation, then puts the phone away. (Closing the page while its form's
    // answer was still being committed hung Chromium's close in CI, twice in 30 runs.)
    await phone.getByRole('heading', { name: 'Done' }).waitFor();
    await phone.close();
    await passFace(page, 'proofing-email');
    await expectVerified(page, 'proofing-email');
  });

  it('IdentityProofing on this device: leaves for IDEMIA and comes back into the same journey', async () => {
    const { page } = await tab();
    const userName = uniqueName('redir');
    await register(userName);
    await proofingChoice(page, userName);
    await page.getByRole('button', { name: 'Continue on this device' }).click();
    await page.getByRole('button', { name: 'Verified, LOA2' }).click();
    await passFace(page, 'proofing-redirect');
    await expectVerified(page, 'proofing-redirect');
  });

  it('ResetPassword through the mailed link: the security question, a new password, signed in', async () => {
    const { page, problems } = await tab();
    const userName = uniqueName('reset');
    await register(userName);
    await page.goto(`${baseUrl()}/`);
    await page.getByRole('navigation').getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Email Address').fill(`${userName}@example.com`);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('.msg').first().waitFor();
    expect(await text(page)).toContain('Check your inbox');
    await screenshot(page, 'reset-suspended');

    await page.goto(linkIn((await mailTo(`${userName}@example.com`)).text));
    const question = page.locator('input[type=password]');
    await question.waitFor();
    const prompt = await page.locator(`label[for="${await question.getAttribute('id')}"]`).innerText();
    await page.getByLabel(prompt).fill(securityAnswer(prompt));
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('At least one capital letter').waitFor();
    await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
    await screenshot(page, 'reset-new-password');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.waitForURL(/\/enduser\//);
    expect(await text(page)).toContain(userName);
    expect(problems).toEqual([]);
  });

  it('ForgottenUsername through the mailed link, into Login', async () => {
    const { page } = await tab();
    const userName = uniqueName('forgot');
    await register(userName);
    await page.goto(`${baseUrl()}/?journey=ForgottenUsername`);
    await page.getByLabel('Email Address').fill(`${userName}@example.com`);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('.msg').first().waitFor();
    const mail = await mailTo(`${userName}@example.com`);
    expect(mail.text).toContain(userName);

    await page.goto(linkIn(mail.text));
    await page.getByLabel('Password').waitFor();
    await screenshot(page, 'forgotten-username-login');
    await signIn(page, userName, PASSWORD);
    await page.waitForURL(/\/enduser\//);
    expect(await text(page)).toContain(userName);
  });

  it('UpdatePassword from the account page, signed in', async () => {
    const { page } = await tab();
    const userName = uniqueName('update');
    await register(userName);
    await page.goto(`${baseUrl()}/`);
    await signIn(page, userName, PASSWORD);
    await page.waitForURL(/\/enduser\//);
    await page.getByRole('link', { name: 'Change your password' }).click();
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('At least one capital letter').waitFor();
    await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
    await screenshot(page, 'update-password');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.waitForURL(/\/enduser\//);
    expect(await text(page)).toContain(userName);
  });

  it('speaks French to a French browser', async () => {
    const { page } = await tab('fr-FR');
    await page.goto(`${baseUrl()}/?journey=Registration`);
    await page.getByLabel('Prénom').waitFor();
    await page.getByRole('navigation').getByRole('link', { name: 'Créer un compte' }).waitFor();
    await page.getByRole('button', { name: 'Continuer' }).waitFor();
    expect(await text(page)).toContain('Au moins une majuscule');
    await screenshot(page, 'fr-registration');

    await page.getByRole('navigation').getByRole('link', { name: 'Se connecter' }).click();
    await page.getByLabel('Nom d’utilisateur').fill(uniqueName('fr'));
    await page.getByLabel('Mot de passe').fill('Mauvais-Passw0rd');
    await page.getByRole('button', { name: 'Continuer' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: 'Nom d’utilisateur ou mot de passe incorrect.' })
      .waitFor();
    await screenshot(page, 'fr-login-failure');
  });

  it('an expired step says so and starts again; the keyboard alone signs in', async () => {
    const { page } = await tab();
    const userName = uniqueName('keys');
    await register(userName);
    await page.goto(`${baseUrl()}/`);
    await page.getByLabel('Username').waitFor();
    // The step kept for a reload, its authId no longer valid (as after JOURNEY_TTL_SECONDS).
    await page.evaluate(`{
      const kept = JSON.parse(sessionStorage.getItem('proofline.step'));
      kept.step.authId = kept.step.authId.slice(0, -4) + 'AAAA';
      sessionStorage.setItem('proofline.step', JSON.stringify(kept));
    }`);
    await page.reload();
    await page.getByLabel('Username').fill(userName);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('This page has expired, so we started again.').waitFor();
    await screenshot(page, 'expired-step');

    await page.getByLabel('Username').focus();
    await page.keyboard.type(userName);
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/enduser\//);
  });

  it('a reload resumes the step, the back button leaves it cleanly, and no page is blank', async () => {
    const { page } = await tab();
    await page.goto(`${baseUrl()}/?journey=Registration`);
    await page.getByRole('heading', { name: 'Sign Up' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign Up' }).waitFor();
    await page.getByRole('navigation').getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Username').waitFor();
    await page.goBack();
    await page.getByRole('heading', { name: 'Sign Up' }).waitFor();
    await page.goto(`${baseUrl()}/nothing-here`);
    expect(await text(page)).toContain('Page not found');
    // A malformed escape in an AM-style `#/service/…` link: the sign-in page, not a blank one.
    await page.goto(`${baseUrl()}/#/service/%E0%A4%A`);
    await page.getByLabel('Username').waitFor();
  });

  it('keeps the developer console at /console, with the raw JSON of each answer', async () => {
    const { page, problems } = await tab();
    await page.goto(`${baseUrl()}/console`);
    await page
      .getByRole('navigation', { name: 'Journeys' })
      .getByRole('link', { name: 'Login', exact: true })
      .click();
    await page.getByText('Last response').click();
    // Login's first step, as the API answered it.
    await page.locator('#raw').filter({ hasText: '"ValidatedCreatePasswordCallback"' }).waitFor();
    expect(await page.locator('#raw').innerText()).toContain('"authId"');
    await screenshot(page, 'console');
    expect(problems).toEqual([]);
  });
});

import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserRepository } from '../../functions/store/users.js';
import { type Harness, openApp, screenshot, startHarness } from './widget/harness.js';
import { expectTokens, PASSWORD, registerOverHttp } from './widget/steps.js';

/**
 * The ForgeRock Login Widget (npm @forgerock/login-widget), unmodified, in Debian's Chromium, embedded in a
 * sample app on another origin of the same site, against the embedded runtime: every journey ends in the
 * Widget's default OAuth flow (client WebLoginWidgetClient, redirect URI the page, scope 'openid email').
 */
let harness: Harness;

/**
 * Known gap (reported, not fixed here): the Widget submits a predefined security question as its index in the
 * callback's `predefinedQuestions` ("0" for the first; bundle ~line 19860, `callback.setQuestion(selectValue)`
 * with option values `${idx}`), where the SDK's own example and Proofline expect the question's text.
 * functions/nodes/kba-create.ts (`chosenQuestions`, ~line 69: `predefinedQuestionId` matches by text only) then
 * stores it as a *custom* question "0", which the user would later be asked. Set to false once a submitted
 * decimal index into the displayed list is taken as that predefined question.
 */
const KBA_INDEX_GAP = false;
const proofline = (): string => harness.runtime.url;
const uniqueName = (prefix: string): string => `${prefix}-${randomBytes(5).toString('hex')}`;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness?.stop();
  // Nothing but the PingOne Signals stylesheet the Widget's bundle asks for was tried beyond loopback.
  for (const url of harness?.offline ?? []) expect(new URL(url).hostname).toBe('apps.pingone.com');
});

async function start(tree: string): Promise<Page> {
  const page = await openApp(harness);
  await page.evaluate(
    (t) => (globalThis as unknown as { widgetApp: { start(t: string): void } }).widgetApp.start(t),
    tree,
  );
  return page;
}

describe('ForgeRock Login Widget against Proofline', () => {
  it('Registration: fills every field the Widget renders and ends in tokens', async () => {
    const userName = uniqueName('widget-reg');
    const email = `${userName}@example.com`;
    const page = await start('Registration');
    await page.getByLabel('Username').fill(userName);
    await page.getByLabel('First name').fill('Ada');
    await page.getByLabel('Last name').fill('Lovelace');
    await page.getByLabel('Email address').fill(email);
    await page.getByText('Send me news and updates').click();
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    const questions = page.locator('select[id$="question"]');
    await questions.nth(0).selectOption({ label: "What's your favorite color?" });
    await page.locator('input[id$="answer"]').nth(0).fill('Blue');
    await questions.nth(1).selectOption({ label: 'Provide custom security question' });
    await page.getByLabel('Custom security question').fill('First computer I programmed?');
    await page.locator('input[id$="answer"]').nth(1).fill('Analytical Engine');
    expect(await page.getByRole('link', { name: 'View full Terms & Conditions' }).getAttribute('href')).toBe(
      `${harness.app.origin}/terms`,
    );
    await page.getByText('Please accept our Terms & Conditions').click();
    await screenshot(page, 'registration-filled');
    await page.getByRole('button', { name: 'Next' }).click();
    await expectTokens(page, proofline(), email);
    await screenshot(page, 'registration-done');
    // What the Widget sent is what was stored.
    const user = await new UserRepository(harness.runtime.store).findByUserName('alpha', userName);
    expect(user).toMatchObject({
      givenName: 'Ada',
      sn: 'Lovelace',
      mail: email,
      preferences: { marketing: false, updates: true },
    });
    expect(user?.kbaInfo?.map(({ answerHash: _, ...question }) => question)).toEqual([
      KBA_INDEX_GAP ? { customQuestion: '0' } : { questionId: '1' },
      { customQuestion: 'First computer I programmed?' },
    ]);
    expect(user?.termsAccepted?.termsVersion).toEqual(expect.any(String));
  });

  it('Login: a wrong password shows an error, then the right one ends in tokens', async () => {
    const userName = uniqueName('widget-login');
    await registerOverHttp(proofline(), userName);
    const page = await start('Login');
    await page.getByLabel('Username').fill(userName);
    await page.getByLabel('Password', { exact: true }).fill('Wrong-Passw0rd');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Invalid username or password.').waitFor();
    await screenshot(page, 'login-wrong-password');
    // The Widget starts the journey again, the error above the fresh form.
    await page.getByLabel('Username').fill(userName);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Next' }).click();
    await expectTokens(page, proofline(), `${userName}@example.com`);
    await screenshot(page, 'login-done');
  });

  describe('IdentityProofing: the IPA delivery ChoiceCallback, then the iProov step', () => {
    it('QR code: the Widget shows the prompt, the IPA link as text and waits; verified in the IDEMIA sandbox, then the face', async () => {
      const userName = uniqueName('widget-qr');
      const page = await signInToProofing(userName);
      await chooseDelivery(page, 'Scan a QR code', 'proofing-qr');
      await page.getByText('Scan the QR code with your phone').waitFor();
      await page.getByText('Waiting for your identity verification to complete').waitFor();
      await screenshot(page, 'proofing-qr-waiting');
      // The SDK's FRQRCode knows only otpauth:// and pushauth://, so the Widget draws no QR code (issue 12 §2);
      // the step also carries the IPA link as text (a TextOutputCallback), which the Widget shows: the person
      // can open it on the phone. A custom UI draws the QR from the `ipaSessionUrl` HiddenValueCallback.
      const ipaUrl = await hiddenValue(page, 'ipaSessionUrl');
      expect(await page.locator('#widget-root').innerText()).toContain(ipaUrl);
      expect(await page.locator('#widget-root img, #widget-root canvas').count()).toBe(0);
      // The phone (the sandbox's control API) completes IPA; the Widget's own polling moves on to the face.
      await completeIpa(sessionIdOf(ipaUrl));
      await bindFace(page, 'proofing-qr');
      await expectTokens(page, proofline(), `${userName}@example.com`);
      await screenshot(page, 'proofing-qr-done');
    });

    it('email: the link arrives at the address in the profile (GET /outbox), then the face', async () => {
      const userName = uniqueName('widget-mail');
      const page = await signInToProofing(userName);
      await chooseDelivery(page, 'Send me an email', 'proofing-email');
      await page.getByText('Waiting for your identity verification to complete').waitFor();
      await screenshot(page, 'proofing-email-waiting');
      const outbox = (await (await fetch(`${proofline()}/outbox`)).json()) as Array<{
        to: string;
        text: string;
      }>;
      const mail = outbox.find((m) => m.to === `${userName}@example.com`);
      const link = mail?.text.match(/https?:\/\/\S+session-id=[0-9a-f-]{36}/)?.[0];
      expect(link, JSON.stringify(mail)).toBeDefined();
      await completeIpa(sessionIdOf(link as string));
      await bindFace(page, 'proofing-email');
      await expectTokens(page, proofline(), `${userName}@example.com`);
      await screenshot(page, 'proofing-email-done');
    });

    it('redirect: the Widget goes to IPA, the person finishes there and comes back to the app, then the face', async () => {
      const userName = uniqueName('widget-redirect');
      const page = await signInToProofing(userName);
      await chooseDelivery(page, 'Continue on this device', 'proofing-redirect');
      // The Widget follows the RedirectCallback (the SDK keeps the step in sessionStorage)…
      await page.waitForURL((url) => url.href.startsWith(harness.runtime.idemiaSandbox?.url ?? '?'));
      await screenshot(page, 'proofing-redirect-ipa');
      // …the person finishes on IPA's page, which sends the browser back to the app (UI_BASE_URL) with a code;
      // the app resumes the journey with the Widget (journey.start({ resumeUrl })).
      await page.getByRole('button', { name: 'Verified, LOA2' }).click();
      await page.waitForURL((url) => url.origin === harness.app.origin);
      await bindFace(page, 'proofing-redirect');
      await expectTokens(page, proofline(), `${userName}@example.com`);
      await screenshot(page, 'proofing-redirect-done');
    });
  });
});

/** Registers Ada Lovelace (the IDEMIA sandbox's document) and signs in to IdentityProofing in the Widget. */
async function signInToProofing(userName: string): Promise<Page> {
  await registerOverHttp(proofline(), userName);
  const page = await start('IdentityProofing');
  await page.getByRole('heading', { name: 'Verify your identity' }).waitFor();
  await page.getByLabel('Username').fill(userName);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Next' }).click();
  return page;
}

/** The delivery ChoiceCallback: the Widget renders it as a select with all three options. */
async function chooseDelivery(page: Page, label: string, shot: string): Promise<void> {
  const choice = page.getByLabel('Select the delivery method to start the identity verification process.');
  await choice.waitFor();
  expect((await choice.locator('option').allInnerTexts()).map((o) => o.trim())).toEqual([
    'Scan a QR code',
    'Send me an email',
    'Continue on this device',
  ]);
  await screenshot(page, `${shot}-choice`);
  await choice.selectOption({ label });
  await page.getByRole('button', { name: 'Next' }).click();
}

const sessionIdOf = (ipaUrl: string): string => new URL(ipaUrl).searchParams.get('session-id') as string;

/** Plays the person's IPA session to "verified" with the IDEMIA sandbox's control API. */
async function completeIpa(sessionId: string): Promise<void> {
  const response = await fetch(
    `${harness.runtime.idemiaSandbox?.url}/sandbox/sessions/${sessionId}/complete`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ outcome: 'verified' }),
    },
  );
  expect(response.status).toBe(200);
}

/**
 * The iProov step. The Widget renders its message and a Next button (the MetadataCallback and the `iproovResult`
 * HiddenValueCallback are not rendered). The app, next to the Widget, does what it would do with iProov's web
 * SDK: it reads the token and the results URL from the step in the Widget's journey event, the scan runs (here:
 * the iProov sandbox's control API, as scanFace in test/integration/am-client.ts), the app reports the scan on
 * the results URL, and the person presses the Widget's Next; the node validates with iProov itself.
 */
async function bindFace(page: Page, shot: string): Promise<void> {
  await page.getByText('Last step: scan your face').waitFor({ timeout: 60_000 });
  await screenshot(page, `${shot}-face`);
  const iproov = await page.evaluate(() => {
    type Callback = { getType(): string; getOutputValue(name: string): unknown };
    const step = (
      globalThis as unknown as { widgetApp: { last: { journey: { step: { callbacks: Callback[] } } } } }
    ).widgetApp.last.journey.step;
    const metadata = step.callbacks.find((c) => c.getType() === 'MetadataCallback');
    const data = metadata?.getOutputValue('data') as { iproov?: { token: string; resultsUrl: string } };
    return data?.iproov;
  });
  if (!iproov) throw new Error('no iProov metadata on the step');
  const scan = await fetch(`${harness.runtime.iproovSandbox?.url}/sandbox/tokens/${iproov.token}/scan`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ result: 'passed' }),
  });
  expect(scan.status).toBeLessThan(300);
  const reported = await page.evaluate(
    async ({ url, token }) =>
      (
        await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token }),
        })
      ).status,
    { url: iproov.resultsUrl, token: iproov.token },
  );
  expect(reported).toBe(204);
  await page.getByRole('button', { name: 'Next' }).click();
}

/** A HiddenValueCallback's value on the Widget's current step (what a custom UI reads, e.g. `ipaSessionUrl`). */
async function hiddenValue(page: Page, id: string): Promise<string> {
  return page.evaluate((wanted) => {
    type Callback = { getType(): string; getOutputValue(name: string): unknown };
    const step = (
      globalThis as unknown as { widgetApp: { last: { journey: { step: { callbacks: Callback[] } } } } }
    ).widgetApp.last.journey.step;
    const hidden = step.callbacks.find(
      (c) => c.getType() === 'HiddenValueCallback' && c.getOutputValue('id') === wanted,
    );
    return hidden?.getOutputValue('value') as string;
  }, id);
}

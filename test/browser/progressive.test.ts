import { describe, expect, it } from 'vitest';
import { UpdateCommand } from '../../functions/aws/dynamodb.js';
import type { Store } from '../../functions/store/dynamo.js';
import { passwordHasher } from '../../functions/store/password-hasher.js';
import { UserRepository } from '../../functions/store/users.js';
import { testStore } from '../integration/test-store.js';
import { baseUrl, defineSecurityQuestions, PASSWORD, screenshot, uniqueName, useBrowser } from './browser.js';

/**
 * ProgressiveProfile on the hosted pages, as Login runs it for a user whose profile is behind: the active terms
 * (TermsAndConditionsCallback), security questions (KbaCreateCallback) and, at the third sign-in of a user who
 * opted in to marketing, consent (ConsentMappingCallback) — each rendered with its labels, then signed in.
 */
const chromium = useBrowser();

const store = (): Store => testStore();

describe('ProgressiveProfile in the hosted pages', () => {
  it('asks for the terms, security questions and consent a user still owes, then signs in', async () => {
    const userName = uniqueName('progress');
    const created = await new UserRepository(store()).create(
      'alpha',
      {
        userName,
        mail: `${userName}@example.com`,
        givenName: 'Ada',
        sn: 'Lovelace',
        preferences: { updates: false, marketing: true },
      },
      await passwordHasher.hash(PASSWORD),
    );
    // Two sign-ins before this one: the third asks a marketing opt-in for consent.
    await store().doc.send(
      new UpdateCommand({
        TableName: store().tables.Users,
        Key: { id: created.id },
        UpdateExpression: 'SET loginCount = :count',
        ExpressionAttributeValues: { ':count': 2 },
      }),
    );
    const { page, problems } = await chromium.open();
    await page.goto(`${baseUrl()}/?journey=Login`);
    await page.getByLabel('Username').fill(userName);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Next' }).click();

    // The terms: their text in a labelled region, the acceptance as a checkbox.
    await page.getByLabel('I accept the terms and conditions').waitFor();
    expect(await page.locator('pre.terms').innerText()).not.toBe('');
    await screenshot(page, 'progressive-terms');
    await page.getByLabel('I accept the terms and conditions').check();
    await page.getByRole('button', { name: 'Next' }).click();

    // Security questions: a predefined one and one of the user's own.
    await defineSecurityQuestions(page);
    await screenshot(page, 'progressive-kba');
    await page.getByRole('button', { name: 'Next' }).click();

    // Consent: what would be shared, with a checkbox.
    await page.getByLabel('I agree to share this information').first().waitFor();
    // The shared attributes in words, not their names in the store.
    const shared = await page.locator('fieldset li').allInnerTexts();
    expect(shared).toEqual(expect.arrayContaining(['First name', 'Last name', 'Email address']));
    await screenshot(page, 'progressive-consent');
    for (const box of await page.getByLabel('I agree to share this information').all()) await box.check();
    await page.getByRole('button', { name: 'Next' }).click();

    await page.waitForURL(/\/enduser\//);
    expect(await page.locator('main').innerText()).toContain(userName);
    const user = await new UserRepository(store()).get(created.id);
    expect(user?.termsAccepted?.termsVersion).toEqual(expect.any(String));
    expect(user?.kbaInfo?.map(({ answerHash: _, ...question }) => question)).toEqual([
      { questionId: '1' },
      { customQuestion: 'Name of my first cat?' },
    ]);
    expect(user?.consentedMappings?.length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});

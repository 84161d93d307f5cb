import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { DocumentClient } from '../../functions/aws/dynamodb.js';
import { TERMS_CATALOG } from '../../functions/generated/terms.js';
import { ConfigurationError } from '../../functions/shared/errors.js';
import { BundledTerms, type TermsCatalog, termsFromEnv } from '../../functions/shared/terms.js';
import type { Store } from '../../functions/store/dynamo.js';
import { UserRepository } from '../../functions/store/users.js';
import { TERMS_MODULE, termsModuleSource } from '../../scripts/terms-module.js';

/** A terms folder in a temporary directory: versions.json and `<version>/<locale>.md` files. */
function termsDir(versions: unknown, files: Record<string, string>): URL {
  const dir = mkdtempSync(join(tmpdir(), 'terms-'));
  writeFileSync(join(dir, 'versions.json'), JSON.stringify(versions));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path.split('/')[0]!), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return pathToFileURL(`${dir}/`);
}

const catalog: TermsCatalog = {
  defaultLocale: 'en',
  versions: [
    { version: '1.0', createDate: '2025-01-15T09:00:00.000Z', texts: { en: 'Old terms', fr: 'Anciennes' } },
    { version: '2.0', createDate: '2025-06-02T09:00:00.000Z', texts: { en: 'New terms', 'pt-br': 'Novos' } },
  ],
};

describe('terms in the repository', () => {
  it('are bundled by an up-to-date functions/generated/terms.ts', () => {
    expect(readFileSync(TERMS_MODULE, 'utf8'), 'run npm run terms').toBe(termsModuleSource());
  });

  it('ship versions 1.0 and 1.1 in en and fr, oldest first', () => {
    expect(TERMS_CATALOG.defaultLocale).toBe('en');
    expect(TERMS_CATALOG.versions.map((v) => [v.version, Object.keys(v.texts)])).toEqual([
      ['1.0', ['en', 'fr']],
      ['1.1', ['en', 'fr']],
    ]);
  });

  it.each([
    [
      'a version without the default locale',
      { defaultLocale: 'en', versions: { '1': { createDate: '2025-01-01T00:00:00.000Z' } } },
      { '1/fr.md': 'x' },
      /terms\/1\/ has no en\.md/,
    ],
    [
      'a folder versions.json does not list',
      { defaultLocale: 'en', versions: { '1': { createDate: '2025-01-01T00:00:00.000Z' } } },
      { '1/en.md': 'x', '2/en.md': 'y' },
      /terms\/2\/ is not listed/,
    ],
    [
      'a listed version without a folder',
      {
        defaultLocale: 'en',
        versions: {
          '1': { createDate: '2025-01-01T00:00:00.000Z' },
          '2': { createDate: '2025-02-01T00:00:00.000Z' },
        },
      },
      { '1/en.md': 'x' },
      /lists 2, but terms\/2\/ does not exist/,
    ],
    [
      'a date that is not ISO 8601 UTC',
      { defaultLocale: 'en', versions: { '1': { createDate: '15/01/2025' } } },
      { '1/en.md': 'x' },
      /1\.createDate must be an ISO 8601 UTC date/,
    ],
    [
      'a file that is not <locale>.md',
      { defaultLocale: 'en', versions: { '1': { createDate: '2025-01-01T00:00:00.000Z' } } },
      { '1/en.md': 'x', '1/notes.txt': 'y' },
      /terms\/1\/notes\.txt: expected <locale>\.md/,
    ],
  ])('refuse %s', (_name, versions, files, message) => {
    expect(() => termsModuleSource(termsDir(versions, files))).toThrow(message);
  });
});

describe('BundledTerms', () => {
  it('makes the latest published version active by default', () => {
    expect(new BundledTerms(catalog).activeVersion()).toBe('2.0');
    expect(termsFromEnv({}).activeVersion()).toBe('1.1');
  });

  it('activates the version TERMS_VERSION names', () => {
    const terms = termsFromEnv({ TERMS_VERSION: '1.0' });

    expect(terms.activeVersion()).toBe('1.0');
    expect(terms.active('en')).toMatchObject({ version: '1.0', createDate: '2025-01-15T09:00:00.000Z' });
    expect(terms.active('en').terms).toContain('Version 1.0');
  });

  it('refuses an unknown TERMS_VERSION, naming the published ones', () => {
    expect(() => termsFromEnv({ TERMS_VERSION: '9.9' })).toThrow(ConfigurationError);
    expect(() => termsFromEnv({ TERMS_VERSION: '9.9' })).toThrow(/\(1\.0, 1\.1\), got "9\.9"/);
  });

  it.each([
    ['fr', 'fr', 'Anciennes'],
    ['fr-CH', 'fr', 'Anciennes'],
    ['EN-gb', 'en', 'Old terms'],
    ['de', 'en', 'Old terms'],
    [undefined, 'en', 'Old terms'],
  ])('gives locale %s the %s text', (locale, chosen, text) => {
    expect(new BundledTerms(catalog, '1.0').active(locale)).toEqual({
      version: '1.0',
      terms: text,
      createDate: '2025-01-15T09:00:00.000Z',
      locale: chosen,
    });
  });

  it('refuses a catalog with no published version', () => {
    expect(() => new BundledTerms({ defaultLocale: 'en', versions: [] })).toThrow(/\(none\), got ""/);
  });

  it('matches a region text by language (pt → pt-br)', () => {
    expect(new BundledTerms(catalog).active('pt').locale).toBe('pt-br');
  });
});

describe('UserRepository terms and consent', () => {
  /** A store whose client records the commands' input (one UpdateItem each, on an existing user). */
  function recording(): { store: Store; sent: unknown[] } {
    const sent: unknown[] = [];
    const doc = {
      send: async (command: { input: unknown }) => {
        sent.push(command.input);
        return {};
      },
    } as unknown as DocumentClient;
    return { store: { doc, tables: { Users: 'users' } } as unknown as Store, sent };
  }

  it("writes AIC's termsAccepted attribute", async () => {
    const { store, sent } = recording();
    await new UserRepository(store, 'alpha').acceptTerms('u1', {
      termsVersion: '1.1',
      acceptDate: '2026-03-01T10:00:00.000Z',
    });

    expect(sent).toEqual([
      expect.objectContaining({
        TableName: 'users',
        Key: { id: 'u1' },
        UpdateExpression: 'SET #a = :v, updatedAt = :now',
        ConditionExpression: 'attribute_exists(id)',
        ExpressionAttributeNames: { '#a': 'termsAccepted' },
        ExpressionAttributeValues: expect.objectContaining({
          ':v': { termsVersion: '1.1', acceptDate: '2026-03-01T10:00:00.000Z' },
        }),
      }),
    ]);
  });

  it("replaces AIC's consentedMappings attribute, keeping only its two fields", async () => {
    const { store, sent } = recording();
    const extra = { mapping: 'crm', consentDate: '2026-03-01T10:00:00.000Z', injected: 'x' };
    await new UserRepository(store, 'alpha').setConsentedMappings('u1', [extra]);

    expect(sent).toEqual([
      expect.objectContaining({
        ExpressionAttributeNames: { '#a': 'consentedMappings' },
        ExpressionAttributeValues: expect.objectContaining({
          ':v': [{ mapping: 'crm', consentDate: '2026-03-01T10:00:00.000Z' }],
        }),
      }),
    ]);
  });
});

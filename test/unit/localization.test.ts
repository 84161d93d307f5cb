import { describe, expect, it } from 'vitest';
import { listJourneyFiles } from '../../functions/engine/asl.js';
import { ATTRIBUTES } from '../../functions/nodes/attributes.js';
import {
  effectiveLocale,
  type LocalizedText,
  localize,
  preferredLocales,
  textFor,
} from '../../functions/nodes/messages.js';
import { FAILURES, PROMPTS } from '../../functions/nodes/texts.js';
import { ConfigurationError } from '../../functions/shared/errors.js';
import { DEFAULT_LOCALES, localesFromEnv, parseLocales } from '../../functions/shared/locales.js';

/**
 * Journeys edited elsewhere while the pages were localized (issue 11): their pages are localized when merged.
 * Any other journey's Page header and description must be given per locale.
 */
const NOT_YET_LOCALIZED: readonly string[] = [];

const keysOf = (table: LocalizedText): string[] => Object.keys(table).sort();

describe('the configured locales (LOCALES)', () => {
  it('default to en, fr; are read as lowercase language tags; refuse malformed lists, naming the setting', () => {
    expect(localesFromEnv({})).toEqual(['en', 'fr']);
    expect(localesFromEnv({ LOCALES: 'fr, en-GB' })).toEqual(['fr', 'en-gb']);
    expect(() => localesFromEnv({ LOCALES: 'en,,fr,en' })).toThrow(ConfigurationError);
    expect(() => localesFromEnv({ LOCALES: ' , ' })).toThrow(/LOCALES must name at least one locale/);
    expect(() => parseLocales('en,français')).toThrow(/"français" is not a language tag/);
  });
});

describe('Accept-Language', () => {
  it('is carried as its tags, most preferred first; a step takes the first configured one', () => {
    expect(preferredLocales('de-CH, fr;q=0.8, de;q=0.9')).toBe('de-ch,de,fr');
    expect(preferredLocales('*')).toBeUndefined();
    expect(preferredLocales('en;q=0, x_y, fr')).toBe('fr');
    expect(preferredLocales('a,b,c,d,e,f,g,h')).toBe('a,b,c,d,e,f');
    expect(effectiveLocale(preferredLocales('de-CH, fr;q=0.8, de;q=0.9'), ['en', 'fr'])).toBe('fr');
    expect(effectiveLocale(preferredLocales('de-CH, de;q=0.9'), ['en', 'fr'])).toBe('en');
    expect(effectiveLocale(undefined, ['fr', 'en'])).toBe('fr');
  });
});

describe('localize', () => {
  const texts = { en: 'Sign In', fr: 'Connexion', 'fr-ch': 'Connexion (CH)' };

  it('gives the client’s locale when configured: exact tag, then its language', () => {
    expect(localize(texts, 'fr', {}, ['en', 'fr'])).toBe('Connexion');
    expect(localize(texts, 'fr-CH', {}, ['en', 'fr'])).toBe('Connexion (CH)');
    expect(localize(texts, 'fr-be', {}, ['en', 'fr'])).toBe('Connexion');
  });

  it('falls back to the first configured locale for an unknown or absent one, not to the table’s order', () => {
    expect(localize(texts, 'de', {}, ['en', 'fr'])).toBe('Sign In');
    expect(localize(texts, 'de', {}, ['fr', 'en'])).toBe('Connexion');
    expect(localize({ fr: 'Connexion', en: 'Sign In' }, undefined, {}, ['en', 'fr'])).toBe('Sign In');
    // A locale with texts but not configured is not answered in.
    expect(localize({ en: 'Sign In', de: 'Anmelden' }, 'de', {}, ['en', 'fr'])).toBe('Sign In');
    expect(effectiveLocale('de-AT', ['fr', 'en'])).toBe('fr');
    expect(effectiveLocale('en-US', ['fr', 'en'])).toBe('en-us');
  });

  it('prefers a configured text (in the first configured locale) to a built-in default', () => {
    const builtIn = {
      en: 'Invalid username or password.',
      fr: 'Nom d’utilisateur ou mot de passe incorrect.',
    };
    expect(localize({ en: 'Wrong credentials.' }, 'fr', builtIn, ['en', 'fr'])).toBe('Wrong credentials.');
    expect(localize(undefined, 'fr', builtIn, ['en', 'fr'])).toBe(builtIn.fr);
    expect(localize(undefined, 'de', builtIn, ['fr', 'en'])).toBe(builtIn.fr);
  });

  it('takes a plain text as it is, and the services’ locales for a node', () => {
    const ctx = { locale: 'de', services: { locales: ['fr', 'en'] } };
    expect(textFor(ctx, 'Sign In', {})).toBe('Sign In');
    expect(textFor(ctx, undefined, PROMPTS.password)).toBe('Mot de passe');
    expect(textFor({ locale: 'de', services: {} }, undefined, PROMPTS.password)).toBe('Password');
  });
});

describe('the translation tables', () => {
  const tables: [string, LocalizedText][] = [
    ...Object.entries(PROMPTS).map(([key, table]): [string, LocalizedText] => [`PROMPTS.${key}`, table]),
    ...Object.entries(FAILURES).map(([key, table]): [string, LocalizedText] => [`FAILURES.${key}`, table]),
    ...Object.entries(ATTRIBUTES).map(([name, a]): [string, LocalizedText] => [
      `ATTRIBUTES.${name}`,
      a.prompt,
    ]),
  ];

  it.each(tables)('%s has a non-empty text in every default locale', (_name, table) => {
    expect(keysOf(table)).toEqual([...DEFAULT_LOCALES].sort());
    for (const locale of DEFAULT_LOCALES) expect(table[locale]?.trim()).not.toBe('');
    expect(table.fr).not.toBe(table.en);
  });

  it('every Page header and description of every journey is given in en and fr', () => {
    const localized: string[] = [];
    const visit = (value: unknown, where: string): void => {
      if (Array.isArray(value)) {
        for (const [i, v] of value.entries()) visit(v, `${where}[${i}]`);
      } else if (value && typeof value === 'object') {
        const record = value as Record<string, unknown>;
        if (record.type === 'PageNode' && record.config && typeof record.config === 'object') {
          const config = record.config as Record<string, unknown>;
          for (const key of ['header', 'description'] as const) {
            const text = config[key];
            if (text === undefined) continue;
            if (typeof text === 'string' && NOT_YET_LOCALIZED.some((j) => where.startsWith(j))) continue;
            expect(text, `${where}.${key}`).toBeTypeOf('object');
            expect(keysOf(text as LocalizedText), `${where}.${key}`).toEqual(
              expect.arrayContaining([...DEFAULT_LOCALES]),
            );
            localized.push(`${where}.${key}`);
          }
        }
        for (const [key, v] of Object.entries(record)) visit(v, `${where}.${key}`);
      }
    };
    for (const file of listJourneyFiles()) visit(file.definition, file.journey);
    expect(localized.length).toBeGreaterThanOrEqual(16);
  });
});

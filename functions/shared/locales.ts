import { optionalEnv } from './env.js';
import { ConfigurationError } from './errors.js';

/** The languages Proofline answers in when `LOCALES` is not set: English first (the fallback), then French. */
export const DEFAULT_LOCALES: readonly string[] = ['en', 'fr'];

const LOCALE_TAG = /^[a-z]{2,8}(-[a-z0-9]{1,8})*$/;

/**
 * A list of locales (`en,fr`, BCP 47 tags, compared lowercase), checked: at least one, each a language tag, no
 * repeats. The first is the fallback for a client asking for none of them. Throws a message naming the fault.
 */
export function parseLocales(text: string): string[] {
  const locales = text
    .split(',')
    .map((tag) => tag.trim().toLowerCase())
    .filter(Boolean);
  if (locales.length === 0) throw new Error('must name at least one locale');
  const wrong = locales.find((tag) => !LOCALE_TAG.test(tag));
  if (wrong) throw new Error(`"${wrong}" is not a language tag (en, fr, fr-ca)`);
  if (new Set(locales).size !== locales.length) throw new Error('names a locale twice');
  return locales;
}

/** The `LOCALES` setting of the node functions (default `en,fr`); a malformed one fails the start, naming it. */
export function localesFromEnv(env: NodeJS.ProcessEnv = process.env): readonly string[] {
  const raw = optionalEnv('LOCALES', env);
  if (raw === undefined) return DEFAULT_LOCALES;
  try {
    return parseLocales(raw);
  } catch (error) {
    throw new ConfigurationError(`Environment variable LOCALES ${(error as Error).message}, got "${raw}"`);
  }
}

import { DEFAULT_LOCALES } from '../shared/locales.js';

/**
 * Localized node messages: configured per locale (`{"en": "…", "fr": "…"}`), chosen by the client's
 * Accept-Language among the configured locales (`LOCALES`, `services.locales`), falling back to the first
 * configured locale, then to the first text given, and only then to Proofline's built-in texts.
 */
export type LocalizedText = Record<string, string>;

/**
 * The client's locale when Proofline answers in it: a configured one, or a regional variant of one (`fr-ch`
 * when `fr` is configured, so that a `fr-ch` text still wins over `fr`); of a ranked list, the first such one;
 * undefined otherwise.
 */
export function supportedLocale(
  locale: string | undefined,
  locales: readonly string[] = DEFAULT_LOCALES,
): string | undefined {
  // A ranked list (`de-ch,fr`, as `preferredLocales` gives it): the first supported tag.
  for (const tag of (locale ?? '').toLowerCase().split(',')) {
    const wanted = tag.trim();
    if (!wanted) continue;
    const language = wanted.split('-')[0];
    if (locales.some((l) => l === wanted || l.split('-')[0] === language)) return wanted;
  }
  return undefined;
}

/** The locale a step is answered in: the client's when supported, else the first configured one. */
export function effectiveLocale(
  locale: string | undefined,
  locales: readonly string[] = DEFAULT_LOCALES,
): string {
  return supportedLocale(locale, locales) ?? locales[0] ?? 'en';
}

function pick(table: LocalizedText, tag: string): string | undefined {
  const exact = Object.entries(table).find(([key]) => key.toLowerCase() === tag)?.[1];
  if (exact) return exact;
  const language = tag.split('-')[0];
  return Object.entries(table).find(([key]) => key.toLowerCase().split('-')[0] === language)?.[1];
}

/**
 * Picks the text for a locale. The configured texts first, then the built-in `fallback`; in each, the client's
 * locale when supported (exact tag, then language), then the configured locales in order (the first is the
 * fallback), then the table's first entry — as AM's localized node properties, whose first entry is the default.
 */
export function localize(
  texts: LocalizedText | undefined,
  locale: string | undefined,
  fallback: LocalizedText,
  locales: readonly string[] = DEFAULT_LOCALES,
): string {
  const tables = [texts, fallback].filter(
    (t): t is LocalizedText => t !== undefined && Object.keys(t).length > 0,
  );
  const supported = supportedLocale(locale, locales);
  const wanted = [...(supported ? [supported] : []), ...locales.map((l) => l.toLowerCase())];
  for (const table of tables) {
    for (const tag of wanted) {
      const text = pick(table, tag);
      if (text) return text;
    }
    const first = Object.values(table)[0];
    if (first) return first;
  }
  return '';
}

/** `localize` for a node: the step's locale and the configured locales (`services.locales`). */
export function textFor(
  ctx: { readonly locale?: string; readonly services: { readonly locales?: readonly string[] } },
  texts: LocalizedText | string | undefined,
  fallback: LocalizedText,
): string {
  if (typeof texts === 'string') return texts;
  return localize(texts, ctx.locale, fallback, ctx.services.locales ?? DEFAULT_LOCALES);
}

/** How many of a client's languages are kept (the context carries them through every step). */
const MAX_ACCEPTED = 6;

/**
 * The language tags of an Accept-Language header, most preferred first, comma-separated (`de-CH, fr;q=0.8,
 * de;q=0.9` → `de-ch,de,fr`): what the journey carries as the client's locale, so that each step is given in
 * the first of them that is configured (`effectiveLocale`). Undefined when the header names none (`*`).
 */
export function preferredLocales(acceptLanguage: string | undefined): string | undefined {
  const tags = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^q=([\d.]+)$/.exec(p.trim())?.[1]).find(Boolean);
      return { tag: tag?.trim().toLowerCase() ?? '', q: q ? Number(q) : 1 };
    })
    .filter((t) => t.tag.length <= 35 && /^[a-z]{1,8}(-[a-z0-9]{1,8})*$/.test(t.tag) && t.q > 0)
    .sort((a, b) => b.q - a.q);
  const ranked = [...new Set(tags.map((t) => t.tag))].slice(0, MAX_ACCEPTED);
  return ranked.length > 0 ? ranked.join(',') : undefined;
}

/**
 * Localized node messages: configured per locale (`{"en": "…", "fr": "…"}`), chosen by the client's
 * Accept-Language, falling back to the first configured text, then to Proofline's defaults.
 */
export type LocalizedText = Record<string, string>;

/** Picks the text for a locale: exact tag, then language, then the first entry. */
export function localize(
  texts: LocalizedText | undefined,
  locale: string | undefined,
  fallback: LocalizedText,
): string {
  const candidates = [texts, fallback].filter(
    (t): t is LocalizedText => t !== undefined && Object.keys(t).length > 0,
  );
  for (const table of candidates) {
    const wanted = locale?.toLowerCase();
    if (wanted) {
      const exact = Object.entries(table).find(([key]) => key.toLowerCase() === wanted)?.[1];
      if (exact) return exact;
      const language = wanted.split('-')[0];
      const byLanguage = Object.entries(table).find(
        ([key]) => key.toLowerCase().split('-')[0] === language,
      )?.[1];
      if (byLanguage) return byLanguage;
    }
    const first = Object.values(table)[0];
    if (first) return first;
  }
  return '';
}

/** The first language tag of an Accept-Language header (`fr-CH, fr;q=0.9` → `fr-ch`). */
export function preferredLocale(acceptLanguage: string | undefined): string | undefined {
  const tags = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^q=([\d.]+)$/.exec(p.trim())?.[1]).find(Boolean);
      return { tag: tag?.trim().toLowerCase() ?? '', q: q ? Number(q) : 1 };
    })
    .filter((t) => /^[a-z]{1,8}(-[a-z0-9]{1,8})*$/.test(t.tag) && t.q > 0)
    .sort((a, b) => b.q - a.q);
  return tags[0]?.tag;
}

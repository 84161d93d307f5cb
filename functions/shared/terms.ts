import type { ActiveTerms, TermsSource } from '../contract/nodes.js';
import { TERMS_CATALOG } from '../generated/terms.js';
import { optionalEnv } from './env.js';
import { ConfigurationError } from './errors.js';

/** One published version of the terms: its text per locale (Markdown). */
export interface TermsVersion {
  readonly version: string;
  /** When it was published (ISO 8601). */
  readonly createDate: string;
  readonly texts: Readonly<Record<string, string>>;
}

/** Every published version, oldest first, and the locale a text falls back to. */
export interface TermsCatalog {
  readonly defaultLocale: string;
  readonly versions: readonly TermsVersion[];
}

/**
 * The terms and conditions bundled with the functions (functions/generated/terms.ts, generated from the
 * repository's `terms/` folder by `npm run terms`), one version of them active.
 */
export class BundledTerms implements TermsSource {
  private readonly current: TermsVersion;

  /**
   * @param activeVersion the version users must accept (default: the latest published); an unknown version is
   * a configuration error naming the known ones.
   */
  constructor(
    private readonly catalog: TermsCatalog,
    activeVersion?: string,
  ) {
    const latest = catalog.versions.at(-1);
    const current =
      activeVersion === undefined ? latest : catalog.versions.find((v) => v.version === activeVersion);
    if (!current) {
      const known = catalog.versions.map((v) => v.version).join(', ') || 'none';
      throw new ConfigurationError(
        `TERMS_VERSION must name a published terms version (${known}), got "${activeVersion ?? ''}"`,
      );
    }
    if (!(catalog.defaultLocale in current.texts)) {
      throw new ConfigurationError(
        `Terms version ${current.version} has no text in the default locale ${catalog.defaultLocale}`,
      );
    }
    this.current = current;
  }

  activeVersion(): string {
    return this.current.version;
  }

  active(locale: string | undefined): ActiveTerms {
    const chosen = pickLocale(Object.keys(this.current.texts), locale) ?? this.catalog.defaultLocale;
    return {
      version: this.current.version,
      terms: this.current.texts[chosen] ?? '',
      createDate: this.current.createDate,
      locale: chosen,
    };
  }
}

/** The locale among `available` for a wanted one: the exact tag, else its language (`fr-ch` → `fr`). */
function pickLocale(available: readonly string[], wanted: string | undefined): string | undefined {
  const tag = wanted?.toLowerCase();
  if (!tag) return undefined;
  const language = tag.split('-')[0];
  return (
    available.find((l) => l.toLowerCase() === tag) ??
    available.find((l) => l.toLowerCase() === language) ??
    available.find((l) => l.toLowerCase().split('-')[0] === language)
  );
}

/** The bundled terms with the version `TERMS_VERSION` names active (unset: the latest published). */
export function termsFromEnv(env: NodeJS.ProcessEnv, catalog: TermsCatalog = TERMS_CATALOG): TermsSource {
  return new BundledTerms(catalog, optionalEnv('TERMS_VERSION', env));
}

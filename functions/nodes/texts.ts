import type { LocalizedText } from './messages.js';

/**
 * Proofline's built-in texts of the callback nodes, per locale: the prompts of Platform Username and Platform
 * Password and the failure message of Identity Store Decision. A configured text overrides them; a new locale in
 * `LOCALES` needs its entry in each (test/unit/localization.test.ts checks that none is missing in `fr`).
 */
export const PROMPTS = {
  username: { en: 'Username', fr: 'Nom d’utilisateur' },
  password: { en: 'Password', fr: 'Mot de passe' },
} as const satisfies Record<string, LocalizedText>;

export const FAILURES = {
  invalidCredentials: {
    en: 'Invalid username or password.',
    fr: 'Nom d’utilisateur ou mot de passe incorrect.',
  },
} as const satisfies Record<string, LocalizedText>;

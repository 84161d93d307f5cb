import { localize } from './messages.js';

/**
 * The email templates of the Email Template node, kept in the repository (AIC keeps them in IDM): a subject and
 * a plain text per locale, the first locale the fallback. Adding a template here makes its name valid in a
 * journey's `emailTemplateName` (the journey lint checks it).
 */
export interface TemplateValues {
  readonly userName: string;
  /** Proofline's pages (`uiBaseUrl`), without a trailing slash; undefined when not configured. */
  readonly uiBaseUrl: string | undefined;
}

interface EmailTemplate {
  readonly subject: Readonly<Record<string, string>>;
  readonly text: Readonly<Record<string, (values: TemplateValues) => string>>;
}

/** Where a locked-out user resets the password (which also unlocks the account): the ResetPassword journey. */
export const resetPasswordUrl = (uiBaseUrl: string): string => `${uiBaseUrl}/#/service/ResetPassword`;

export const EMAIL_TEMPLATES = {
  passwordChanged: {
    subject: { en: 'Your password was changed', fr: 'Votre mot de passe a été modifié' },
    text: {
      en: ({ userName }) =>
        `Hello ${userName},\n\nthe password of your account was just changed, and every other session of your account was signed out.\n\nIf you did not do this, reset your password now and contact us.`,
      fr: ({ userName }) =>
        `Bonjour ${userName},\n\nle mot de passe de votre compte vient d’être modifié, et toutes les autres sessions de votre compte ont été fermées.\n\nSi vous n’êtes pas à l’origine de ce changement, réinitialisez votre mot de passe maintenant et contactez-nous.`,
    },
  },
  accountLocked: {
    subject: { en: 'Your account was locked', fr: 'Votre compte a été verrouillé' },
    text: {
      en: ({ userName, uiBaseUrl }) =>
        `Hello ${userName},\n\nyour account was locked after too many failed sign-in attempts.\n\n${
          uiBaseUrl
            ? `To unlock it now, reset your password:\n\n${resetPasswordUrl(uiBaseUrl)}`
            : 'To unlock it now, reset your password ("Forgot password?" on the sign-in page).'
        }\n\nIf these attempts were not yours, someone may be trying to guess your password.`,
      fr: ({ userName, uiBaseUrl }) =>
        `Bonjour ${userName},\n\nvotre compte a été verrouillé après trop de tentatives de connexion échouées.\n\n${
          uiBaseUrl
            ? `Pour le déverrouiller dès maintenant, réinitialisez votre mot de passe :\n\n${resetPasswordUrl(uiBaseUrl)}`
            : 'Pour le déverrouiller dès maintenant, réinitialisez votre mot de passe (« Mot de passe oublié ? » sur la page de connexion).'
        }\n\nSi ces tentatives ne viennent pas de vous, quelqu’un essaie peut-être de deviner votre mot de passe.`,
    },
  },
} as const satisfies Record<string, EmailTemplate>;

export type EmailTemplateName = keyof typeof EMAIL_TEMPLATES;
export const EMAIL_TEMPLATE_NAMES = Object.keys(EMAIL_TEMPLATES) as [
  EmailTemplateName,
  ...EmailTemplateName[],
];

/** The subject and text of a template in a locale (`fr-ch` → `fr`; otherwise the template's first locale). */
export function renderEmailTemplate(
  name: EmailTemplateName,
  locale: string | undefined,
  values: TemplateValues,
): { subject: string; text: string } {
  const template: EmailTemplate = EMAIL_TEMPLATES[name];
  const subject = localize(template.subject, locale, {});
  const texts = Object.fromEntries(Object.keys(template.text).map((key) => [key, key]));
  const textLocale = localize(texts, locale, {});
  const text = template.text[textLocale];
  if (!text) throw new Error(`Email template ${name} has no text`);
  return { subject, text: text(values) };
}

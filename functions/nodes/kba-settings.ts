/**
 * Security questions (knowledge-based authentication, KBA): AIC's Security Questions settings — the predefined
 * questions per locale, "must define" and "must answer" — with AIC's defaults, and what the three KBA nodes
 * share (answer normalization, the stored shape). Each node takes the settings it uses from its config, where
 * they default to these values; a journey that overrides one must give every KBA node the same value (they
 * describe one configuration, as in AIC). See docs/nodes/kba.md.
 */
import * as v from 'valibot';
import type { KbaAnswer } from '../contract/data.js';
import { type LocalizedText, localize } from './messages.js';

export type { KbaAnswer };

/** AIC's (IDM's `selfservice.kba.json`) default questions, by id; their ids are what users' answers refer to. */
export const DEFAULT_KBA_QUESTIONS: Readonly<Record<string, LocalizedText>> = Object.freeze({
  '1': { en: "What's your favorite color?", fr: 'Quelle est votre couleur préférée ?' },
  '2': { en: 'Who was your first employer?', fr: 'Quel a été votre premier employeur ?' },
});

/** AIC's default "Must define": how many questions a user sets up. */
export const DEFAULT_MINIMUM_ANSWERS_TO_DEFINE = 2;
/** AIC's default "Must answer": how many questions a user answers to prove who they are. */
export const DEFAULT_MINIMUM_ANSWERS_TO_VERIFY = 1;

/** The longest question or answer accepted (after normalization), in characters. */
export const KBA_MAX_LENGTH = 256;

const count = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10));

/** Config entries for the settings, with AIC's defaults: spread into a node's `strictObject`. */
export const kbaSettingsEntries = {
  /** The predefined questions: id → text per locale (`{"en": "…", "fr": "…"}`). Never change or remove one in use. */
  questions: v.optional(
    v.pipe(
      v.record(
        v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,32}$/)),
        v.pipe(
          v.record(
            v.pipe(v.string(), v.regex(/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/)),
            v.pipe(v.string(), v.minLength(1)),
          ),
          v.check((texts) => Object.keys(texts).length > 0, 'a question needs a text in at least one locale'),
        ),
      ),
      v.check((questions) => Object.keys(questions).length > 0, 'at least one question is needed'),
    ),
    () => ({ ...DEFAULT_KBA_QUESTIONS }),
  ),
  minimumAnswersToDefine: v.optional(count, DEFAULT_MINIMUM_ANSWERS_TO_DEFINE),
  minimumAnswersToVerify: v.optional(count, DEFAULT_MINIMUM_ANSWERS_TO_VERIFY),
} as const;

/**
 * An answer as it is hashed and compared: Unicode NFKC, case-folded (upper then lower case, so `ß` and `SS`
 * agree), whitespace runs collapsed to one space, trimmed — `"  Blue "` and `"blue"` are the same answer.
 */
export function normalizeAnswer(answer: string): string {
  return answer.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC').replace(/\s+/gu, ' ').trim();
}

/** A question as typed, for display and storage: NFKC, whitespace collapsed, trimmed (case kept). */
export function normalizeQuestion(question: string): string {
  return question.normalize('NFKC').replace(/\s+/gu, ' ').trim();
}

/** A question compared loosely (IDM's rule): letters and digits only, case-folded. */
function looseQuestion(question: string): string {
  return normalizeAnswer(question).replace(/[^\p{L}\p{N}]/gu, '');
}

/**
 * The predefined question a submitted text names, in any configured locale: exactly, or loosely (so a
 * user-defined `WHAT'S your favorite colour` is not a second copy of a predefined one). Undefined otherwise.
 */
export function predefinedQuestionId(
  questions: Readonly<Record<string, LocalizedText>>,
  text: string,
): string | undefined {
  const wanted = normalizeQuestion(text);
  const loose = looseQuestion(text);
  const entries = Object.entries(questions);
  return (
    entries.find(([, texts]) => Object.values(texts).some((t) => normalizeQuestion(t) === wanted))?.[0] ??
    entries.find(([, texts]) => Object.values(texts).some((t) => looseQuestion(t) === loose))?.[0]
  );
}

/** The predefined questions in the client's locale, in the configured order. */
export function predefinedQuestionTexts(
  questions: Readonly<Record<string, LocalizedText>>,
  locale: string | undefined,
): string[] {
  return Object.values(questions).map((texts) => localize(texts, locale, {}));
}

/** The text of an answered question in the client's locale; undefined for a predefined id no longer configured. */
export function questionText(
  questions: Readonly<Record<string, LocalizedText>>,
  answer: KbaAnswer,
  locale: string | undefined,
): string | undefined {
  if ('customQuestion' in answer) return answer.customQuestion;
  const texts = questions[answer.questionId];
  return texts ? localize(texts, locale, {}) : undefined;
}

/** A stable key of an answer's question (`id:1`, `custom:<text>`), to remember which ones were asked. */
export function questionKey(answer: KbaAnswer): string {
  return 'customQuestion' in answer ? `custom:${answer.customQuestion}` : `id:${answer.questionId}`;
}

const PASSWORD_HASH = /^\$[a-z0-9-]{1,32}\$\S+$/;

/**
 * True for a list of stored answers: each a question (id or own text) with a password hash (PHC string) — so
 * nothing that reached shared state in clear can be stored as an answer.
 */
export function isKbaInfo(value: unknown): value is KbaAnswer[] {
  return (
    Array.isArray(value) &&
    value.every((entry: unknown) => {
      if (typeof entry !== 'object' || entry === null) return false;
      const { questionId, customQuestion, answerHash } = entry as Record<string, unknown>;
      const question =
        (typeof questionId === 'string' && questionId !== '' && customQuestion === undefined) ||
        (typeof customQuestion === 'string' && customQuestion !== '' && questionId === undefined);
      return question && typeof answerHash === 'string' && PASSWORD_HASH.test(answerHash);
    })
  );
}

import * as v from 'valibot';
import type { KbaAnswer } from '../contract/data.js';
import type { NodeContext } from '../contract/nodes.js';
import { type CallbackTemplate, inputValue } from '../shared/callbacks.js';
import {
  KBA_MAX_LENGTH,
  kbaSettingsEntries,
  normalizeAnswer,
  normalizeQuestion,
  predefinedQuestionId,
  predefinedQuestionTexts,
} from './kba-settings.js';
import { type LocalizedText, textFor } from './messages.js';
import { callbackNode, transientOf } from './page-support.js';

const localized = v.record(v.string(), v.string());

const configSchema = v.strictObject({
  ...kbaSettingsEntries,
  /** AM's "Allow User-Defined Questions": a question of the user's own besides the predefined ones. */
  allowUserDefinedQuestions: v.optional(v.boolean(), true),
  /** AM's "Purpose Message": each KbaCreateCallback's `prompt`, per locale. */
  message: v.optional(localized),
});
type Config = v.InferOutput<typeof configSchema>;

const PROMPT: LocalizedText = {
  en: 'Select a security question',
  fr: 'Choisissez une question de sécurité',
};
const MISSING: LocalizedText = {
  en: 'Choose a question and give an answer for each security question.',
  fr: 'Choisissez une question et donnez une réponse pour chaque question de sécurité.',
};
const DUPLICATE: LocalizedText = {
  en: 'Choose a different question for each answer.',
  fr: 'Choisissez une question différente pour chaque réponse.',
};
const NOT_LISTED: LocalizedText = {
  en: 'Choose one of the listed questions.',
  fr: 'Choisissez une des questions proposées.',
};
const TOO_LONG: LocalizedText = {
  en: `Questions and answers are limited to ${KBA_MAX_LENGTH} characters.`,
  fr: `Les questions et les réponses sont limitées à ${KBA_MAX_LENGTH} caractères.`,
};

const asString = (value: unknown): string => (typeof value === 'string' ? value : '');

/** True when the submitted step (the whole page) only asks for validation (`IDToken<n>validateOnly`). */
function validateOnlyPage(ctx: NodeContext<unknown>): boolean {
  return (ctx.input ?? []).some((callback) =>
    callback.input.some((input) => input.name.endsWith('validateOnly') && input.value === true),
  );
}

/**
 * A predefined question picked by its position in `predefinedQuestions` (what the ForgeRock Login Widget sends:
 * its select's value, "0" for the first), when the text is such a position and matches no question's text.
 */
function questionIdAtIndex(questions: Readonly<Record<string, unknown>>, text: string): string | undefined {
  if (!/^\d{1,3}$/.test(text)) return undefined;
  return Object.keys(questions)[Number(text)];
}

/** The questions chosen on the page, checked; or the message to show instead. */
function chosenQuestions(
  ctx: NodeContext<Config>,
  submitted: ReadonlyArray<{ question: string; answer: string }>,
): Array<{ question: { questionId: string } | { customQuestion: string }; answer: string }> | LocalizedText {
  const chosen: Array<{ question: { questionId: string } | { customQuestion: string }; answer: string }> = [];
  const seen = new Set<string>();
  for (const { question, answer } of submitted) {
    const text = normalizeQuestion(question);
    const normalized = normalizeAnswer(answer);
    if (text === '' || normalized === '') return MISSING;
    if (text.length > KBA_MAX_LENGTH || normalized.length > KBA_MAX_LENGTH) return TOO_LONG;
    const questionId =
      predefinedQuestionId(ctx.config.questions, text) ?? questionIdAtIndex(ctx.config.questions, text);
    if (questionId === undefined && !ctx.config.allowUserDefinedQuestions) return NOT_LISTED;
    const key = questionId === undefined ? `custom:${normalizeAnswer(text)}` : `id:${questionId}`;
    if (seen.has(key)) return DUPLICATE;
    seen.add(key);
    chosen.push({
      question: questionId === undefined ? { customQuestion: text } : { questionId },
      answer: normalized,
    });
  }
  return chosen;
}

/**
 * KBA Definition: asks for `minimumAnswersToDefine` security questions (AM's KbaCreateCallback: a predefined
 * question or, if allowed, one of the user's own, and its answer). Answers are normalized and hashed like
 * passwords at once; only the hashes go on: onto the identified user (`userId`), or — in a registration, before
 * the user exists — into `objectAttributes.kbaInfo` for Create Object. Answers in clear are never stored.
 * Wrong input (a missing answer, one question twice, an own question where none are allowed) renders the page
 * again with a message. Can be placed on a Page.
 */
export const kbaCreate = callbackNode<Config>({
  type: 'KbaCreateNode',
  displayName: 'KBA Definition',
  family: 'identity',
  configSchema,
  render(ctx) {
    const prompt = textFor(ctx, ctx.config.message, PROMPT);
    const predefined = predefinedQuestionTexts(ctx.config.questions, ctx.locale);
    return Array.from(
      { length: ctx.config.minimumAnswersToDefine },
      (): CallbackTemplate => ({
        type: 'KbaCreateCallback',
        output: [
          { name: 'prompt', value: prompt },
          { name: 'predefinedQuestions', value: predefined },
          { name: 'allowUserDefinedQuestions', value: ctx.config.allowUserDefinedQuestions },
        ],
        input: [
          { suffix: 'question', value: '' },
          { suffix: 'answer', value: '' },
        ],
      }),
    );
  },
  async collect(ctx, callbacks) {
    // A page asked to validate another input only (the Login Widget does so as the user types): nothing is
    // checked, hashed or stored until the page is submitted for real.
    if (validateOnlyPage(ctx as NodeContext<unknown>)) return { invalid: false, validateOnly: true };
    const submitted = Array.from({ length: ctx.config.minimumAnswersToDefine }, (_, index) => {
      const callback = callbacks[index];
      return {
        question: callback ? asString(inputValue(callback, 'question')) : '',
        answer: callback ? asString(inputValue(callback, 'answer')) : '',
      };
    });
    const chosen = chosenQuestions(ctx, submitted);
    if (!Array.isArray(chosen)) {
      const transient = transientOf(ctx as NodeContext<unknown>);
      transient.messages = [
        ...(transient.messages ?? []),
        { message: textFor(ctx, undefined, chosen), messageType: '2' },
      ];
      return { invalid: true, validateOnly: false };
    }
    const { passwords, users } = ctx.services;
    const kbaInfo: KbaAnswer[] = await Promise.all(
      chosen.map(async ({ question, answer }) => ({ ...question, answerHash: await passwords.hash(answer) })),
    );
    if (ctx.state.userId) {
      await users.setKba(ctx.state.userId, kbaInfo);
    } else {
      ctx.state.objectAttributes = { ...ctx.state.objectAttributes, kbaInfo };
    }
    return { invalid: false, validateOnly: false };
  },
});

import { randomInt } from 'node:crypto';
import * as v from 'valibot';
import type { KbaAnswer, User } from '../contract/data.js';
import { accountKey } from '../contract/keys.js';
import type { NodeContext, NodeDefinition, NodeResult } from '../contract/nodes.js';
import {
  type CallbackTemplate,
  inputValue,
  numberCallbacks,
  textOutputCallback,
} from '../shared/callbacks.js';
import { ThrottledError } from '../shared/throttled.js';
import { credentialThrottleKeys } from './identity-store-decision.js';
import { kbaSettingsEntries, normalizeAnswer, questionKey, questionText } from './kba-settings.js';
import { type LocalizedText, textFor } from './messages.js';
import { transientOf } from './page-support.js';
import { checkReserveAttempts, reserveAttemptsSchema } from './reserve-attempts.js';

const configSchema = v.strictObject({
  ...kbaSettingsEntries,
  /** The message the next page shows after wrong answers, per locale. */
  failureMessage: v.optional(v.record(v.string(), v.string())),
  /**
   * A user who has defined no answers (registered before KBA) passes (`true`) instead of failing (`false`):
   * ResetPassword then lets them through on the emailed link alone.
   */
  allowWithoutAnswers: v.optional(v.boolean(), false),
  /**
   * As the Identity Store Decision's (ADR 10): count every verification on the account's counter of the Retry
   * Limit Decision `counter` (on this node's `false` outcome, saving to the user) before evaluating it, and
   * evaluate nothing once `limit` are counted. The journey lint checks both values against that node.
   */
  reserveAttempts: reserveAttemptsSchema,
});
type Config = v.InferOutput<typeof configSchema>;

const FAILURE: LocalizedText = {
  en: 'The answers to the security questions are not correct.',
  fr: 'Les réponses aux questions de sécurité ne sont pas correctes.',
};

/** `count` distinct indices below `size`, in random order (partial Fisher–Yates on a CSPRNG). */
export function randomSelection(size: number, count: number): number[] {
  const indices = Array.from({ length: size }, (_, i) => i);
  const wanted = Math.min(count, size);
  for (let i = 0; i < wanted; i++) {
    const j = i + randomInt(size - i);
    [indices[i], indices[j]] = [indices[j] as number, indices[i] as number];
  }
  return indices.slice(0, wanted);
}

async function identifiedUser(ctx: NodeContext<Config>): Promise<User | undefined> {
  const { users } = ctx.services;
  if (ctx.state.userId) return users.get(ctx.state.userId);
  return ctx.state.username ? users.findByUserName(ctx.realm, ctx.state.username) : undefined;
}

/** The answers that can be asked: those whose question is still configured (or the user's own). */
function askable(ctx: NodeContext<Config>, user: User): KbaAnswer[] {
  return (user.kbaInfo ?? []).filter((a) => questionText(ctx.config.questions, a, ctx.locale) !== undefined);
}

function fail(ctx: NodeContext<Config>): { outcome: 'false' } {
  const transient = transientOf(ctx as NodeContext<unknown>);
  transient.messages = [
    ...(transient.messages ?? []),
    { message: textFor(ctx, ctx.config.failureMessage, FAILURE), messageType: '2' },
  ];
  return { outcome: 'false' };
}

/** Asks the chosen questions: messages left for this page first, then one PasswordCallback per question. */
function ask(ctx: NodeContext<Config>, chosen: readonly KbaAnswer[]): NodeResult {
  const transient = transientOf(ctx as NodeContext<unknown>);
  const messages = (transient.messages ?? []).map((m) => textOutputCallback(m.message, m.messageType));
  delete transient.messages;
  const questions: CallbackTemplate[] = chosen.map((answer) => ({
    type: 'PasswordCallback',
    output: [{ name: 'prompt', value: questionText(ctx.config.questions, answer, ctx.locale) ?? '' }],
    input: [{ suffix: '', value: '' }],
  }));
  return {
    suspend: {
      callbacks: numberCallbacks([...messages, ...questions]),
      memo: { messages: messages.length, asked: chosen.map(questionKey) },
    },
  };
}

/**
 * KBA Verification: asks `minimumAnswersToVerify` of the identified user's security questions (AM's
 * PasswordCallback with the question as prompt; chosen at random with a CSPRNG when more are defined) and
 * checks the answers against their hashes. A wrong answer counts like a wrong password (ADR 10): the attempt is
 * throttled (the account's and the client's failed-credential throttles: 429) and reserved on the account's
 * counter before anything is evaluated; a locked account is `Locked` and nothing is evaluated. `true` when
 * every answer matches, `false` otherwise (and for no identified user, or one without answers unless
 * `allowWithoutAnswers`).
 */
export const kbaVerify = {
  type: 'KbaVerifyNode',
  displayName: 'KBA Verification',
  family: 'identity',
  configSchema,
  outcomes: () => ['true', 'false', 'Locked'],
  suspends: true,
  checkJourney: checkReserveAttempts,
  async process(ctx) {
    const user = await identifiedUser(ctx);
    if (!user) return fail(ctx);
    const answers = askable(ctx, user);
    if (answers.length === 0) return ctx.config.allowWithoutAnswers ? { outcome: 'true' } : fail(ctx);

    const memo = ctx.memo;
    const asked = Array.isArray(memo?.asked)
      ? memo.asked.filter((k): k is string => typeof k === 'string')
      : [];
    const skip = typeof memo?.messages === 'number' ? memo.messages : 0;
    if (!ctx.input || asked.length === 0 || ctx.input.length !== skip + asked.length) {
      const chosen = randomSelection(answers.length, ctx.config.minimumAnswersToVerify);
      return ask(
        ctx,
        chosen.map((i) => answers[i] as KbaAnswer),
      );
    }

    const { attempts, passwords, throttle } = ctx.services;
    const key = accountKey(ctx.realm, user.userName);
    const throttled = credentialThrottleKeys(ctx as NodeContext<unknown>, key);
    // Counted before anything is evaluated, as a password is: over the limits, 429 and nothing evaluated.
    await throttle.consume(throttled);
    const reserve = ctx.config.reserveAttempts;
    const counter = reserve?.counter ?? ctx.nodeId;
    const reservation = await attempts.reserve(key, counter, reserve?.limit);
    if (!reservation.reserved) {
      if (reservation.locked) return { outcome: 'Locked' };
      throw new ThrottledError(1);
    }
    const submitted = ctx.input.slice(skip).map((callback) => {
      const value = inputValue(callback);
      return typeof value === 'string' ? normalizeAnswer(value) : '';
    });
    // Every answer is evaluated (no early exit), so the time does not tell which one was wrong.
    const results = await Promise.all(
      asked.map(async (k, index) => {
        const stored = answers.find((a) => questionKey(a) === k);
        const answer = submitted[index] ?? '';
        return stored ? passwords.verify(answer, stored.answerHash) : passwords.burn(answer);
      }),
    );
    if (results.every(Boolean)) {
      await attempts.clear(key, counter);
      // The attempt's throttle events are given back; earlier failures (passwords' too) stay counted.
      for (const throttleKey of throttled) await throttle.refund(throttleKey);
      return { outcome: user.accountStatus === 'active' ? 'true' : 'Locked' };
    }
    if (reserve) {
      const transient = transientOf(ctx as NodeContext<unknown>);
      transient.countedAttempts = { ...transient.countedAttempts, [reserve.counter]: reservation.count };
    }
    return fail(ctx);
  },
} satisfies NodeDefinition<Config>;

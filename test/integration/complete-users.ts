import type { KbaAnswer, UserProfile } from '../../functions/contract/data.js';
import {
  DEFAULT_KBA_QUESTIONS,
  normalizeAnswer,
  normalizeQuestion,
  predefinedQuestionId,
} from '../../functions/nodes/kba-settings.js';
import { termsFromEnv } from '../../functions/shared/terms.js';
import { passwordHasher } from '../../functions/store/password-hasher.js';
import { SECURITY_ANSWERS } from './am-client.js';

/**
 * What a user needs so that Login's ProgressiveProfile lets them through without a step at their first sign-ins,
 * as Registration leaves them: the security answers of `SECURITY_ANSWERS` (hashed with the password hasher, as
 * KBA Definition stores them), the active terms version accepted, and the marketing and update preferences set
 * (to false: no consent is asked). Tests that create users directly in the store spread it into the profile
 * (`users.create(realm, { userName, ...(await completeProfile()) }, hash)`): still one store write, so the tests
 * that count store operations on Login count the same Login.
 *
 * The answers are hashed once per test file (each test user gets the same hashes: salted, still valid).
 */
export async function completeProfile(
  termsVersion = termsFromEnv(process.env).activeVersion(),
): Promise<Pick<UserProfile, 'kbaInfo' | 'termsAccepted' | 'preferences'>> {
  return {
    kbaInfo: await securityAnswerHashes(),
    termsAccepted: { termsVersion, acceptDate: new Date().toISOString() },
    preferences: { updates: false, marketing: false },
  };
}

let hashes: Promise<KbaAnswer[]> | undefined;

/** `SECURITY_ANSWERS` as stored: a predefined question by its id, an own question as typed; answers hashed. */
function securityAnswerHashes(): Promise<KbaAnswer[]> {
  hashes ??= Promise.all(
    SECURITY_ANSWERS.map(async ({ question, answer }): Promise<KbaAnswer> => {
      const answerHash = await passwordHasher.hash(normalizeAnswer(answer));
      const questionId = predefinedQuestionId(DEFAULT_KBA_QUESTIONS, question);
      return questionId
        ? { questionId, answerHash }
        : { customQuestion: normalizeQuestion(question), answerHash };
    }),
  );
  return hashes;
}

import middy from '@middy/core';
import type { HttpEvent, HttpResult } from '../api/http.js';
import { logger } from '../shared/logger.js';
import { hashSecret, sameSecret } from '../shared/secret-hash.js';
import { type IproovClaimRepository, isFinished } from '../store/iproov-claims.js';
import { jsonObjectBody, pathKey, problem } from './common.js';
import type { Resume } from './resume.js';

export interface IproovWebhookDeps {
  claims: IproovClaimRepository;
  /** Resumes the waiting journey after the answer (see resume.ts). */
  resume: Resume;
}

const MAX_BYTES = 4 * 1024;

/**
 * iProov results webhook: `POST /webhooks/iproov/{key}` with `{"token": "…"}`, called by a native app that ran
 * the scan on another device. The key is per claim (only its hash is stored) and the token must be the claim's.
 * The report is recorded once and the waiting journey resumed: its iProov node then validates the token with
 * iProov, so a report says only "look now", never "passed". Repeats answer 204 with no further effect; bad
 * input is a 4XX with no effect.
 */
export function createIproovWebhookHandler(deps: IproovWebhookDeps) {
  return middy<HttpEvent, HttpResult>(async (event: HttpEvent): Promise<HttpResult> => {
    const key = pathKey(event);
    if (!key) return problem(404, `No endpoint at ${event.rawPath}`);
    const { token } = jsonObjectBody(event, MAX_BYTES);
    if (typeof token !== 'string' || token.length === 0 || token.length > 200)
      return problem(400, 'token is missing or malformed');
    const claim = await deps.claims.get(hashSecret(key));
    if (!claim) return problem(404, 'Unknown or expired claim');
    if (isFinished(claim)) {
      logger.info('iProov report for a finished claim', { duplicate: true });
      return { statusCode: 204 };
    }
    if (!sameSecret(token, claim.token)) {
      logger.warn('iProov report refused', { txId: claim.txId, reason: 'token mismatch' });
      return problem(403, 'Not a report for this claim');
    }
    const recorded = await deps.claims.markReported(claim.id);
    logger.info('iProov report', { txId: claim.txId, nodeId: claim.nodeId, duplicate: !recorded });
    if (recorded) await deps.resume(claim.txId, 'iProov report');
    return { statusCode: 204 };
  });
}

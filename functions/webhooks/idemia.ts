import middy from '@middy/core';
import type { HttpEvent, HttpResult } from '../api/http.js';
import { logger } from '../shared/logger.js';
import { hashSecret, secretMatches } from '../shared/secret-hash.js';
import type { IpaSessionRepository } from '../store/ipa-sessions.js';
import { jsonObjectBody, pathKey, problem } from './common.js';
import type { Resume } from './resume.js';

export interface IdemiaWebhookDeps {
  ipaSessions: IpaSessionRepository;
  /** Resumes the waiting journey after the answer (see resume.ts). */
  resume: Resume;
  /** The IPA application id notifications must carry. */
  applicationId: string;
}

const MAX_BYTES = 16 * 1024;
/** Compared against for an unknown session: the hash of a string the route never accepts as a key. */
const UNKNOWN_SESSION_KEY_HASH = /* @__PURE__ */ hashSecret('unknown IDEMIA session');

/**
 * IDEMIA IPA end-of-process notification (seed 003, step 4): `POST /webhooks/idemia/ipa/{key}`. The key is
 * per session (only its hash is stored) and compared in constant time; the application id must match. The
 * notification is recorded once (IPA retries and duplicates have no further effect), answered 204 with an
 * empty body, and the waiting journey is resumed. Its payload is never trusted for the result: the node
 * fetches the identity from GIPS, and an identity serves one session only (409 otherwise). Bad input is a 4XX
 * with no effect; an unknown session and a wrong key are the same 404.
 */
export function createIdemiaWebhookHandler(deps: IdemiaWebhookDeps) {
  return middy<HttpEvent, HttpResult>(async (event: HttpEvent): Promise<HttpResult> => {
    const key = pathKey(event);
    if (!key) return problem(404, `No endpoint at ${event.rawPath}`);
    const body = jsonObjectBody(event, MAX_BYTES);
    const { applicationId, sessionId, identityId, proofUrl, status, timestamp } = body;
    if (typeof sessionId !== 'string' || !/^[A-Za-z0-9-]{8,64}$/.test(sessionId))
      return problem(400, 'sessionId is missing or malformed');
    if (typeof applicationId !== 'string') return problem(400, 'applicationId is missing');
    if (typeof timestamp !== 'number') return problem(400, 'timestamp must be a number (Unix time)');
    if (identityId !== undefined && (typeof identityId !== 'string' || identityId.length > 200))
      return problem(400, 'identityId must be a string');
    if (proofUrl !== undefined && (typeof proofUrl !== 'string' || proofUrl.length > 2000))
      return problem(400, 'proofUrl must be a string');
    if (status !== undefined && status !== 'ERROR' && status !== 'HEARTBEAT_TIMEOUT') {
      return problem(400, 'status must be ERROR or HEARTBEAT_TIMEOUT when present');
    }
    const session = await deps.ipaSessions.get(sessionId);
    // An unknown session and a wrong key get the same answer (and the same hashing and comparison), so the
    // webhook does not tell which IDEMIA session ids exist.
    const keyMatches = secretMatches(key, session?.keyHash ?? UNKNOWN_SESSION_KEY_HASH);
    if (!session || !keyMatches) {
      if (session) logger.warn('IDEMIA notification refused', { sessionId, reason: 'key mismatch' });
      return problem(404, 'Unknown session');
    }
    if (applicationId !== deps.applicationId) {
      logger.warn('IDEMIA notification refused', { sessionId, reason: 'applicationId mismatch' });
      return problem(403, 'Not a notification for this session');
    }
    const recorded = await deps.ipaSessions.recordNotification(sessionId, {
      status: status ?? 'COMPLETED',
      ...(typeof identityId === 'string' ? { identityId } : {}),
      ...(typeof proofUrl === 'string' ? { proofUrl } : {}),
    });
    if (recorded === 'identity-taken') {
      // The identity was produced by another IPA session: never evaluated for this one (ADR 11).
      logger.warn('IDEMIA notification refused', { sessionId, reason: 'identity of another session' });
      return problem(409, 'The identity belongs to another session');
    }
    logger.info('IDEMIA notification', {
      sessionId,
      status: status ?? 'COMPLETED',
      duplicate: recorded === 'duplicate',
    });
    if (recorded === 'recorded') await deps.resume(session.txId, 'IDEMIA notification');
    return { statusCode: 204 };
  });
}

import { randomBytes } from 'node:crypto';
import { hashSecret, newSecret } from '../shared/secret-hash.js';

export { secretMatches } from '../shared/secret-hash.js';

/**
 * authId = `<transaction id>.<step secret>`: 128 random bits name the transaction, 256 random bits prove the
 * holder was sent this very step. Only the secret's SHA-256 is stored, and it is replaced at every step,
 * so an authId is useless after its step (replay), and a leaked table yields no usable authId.
 */
const PART = /^[A-Za-z0-9_-]{22,64}$/;

export interface ParsedAuthId {
  txId: string;
  secret: string;
}

export const newTransactionId = (): string => randomBytes(16).toString('base64url');

export const newStepSecret = newSecret;

export const hashStepSecret = hashSecret;

export const formatAuthId = (txId: string, secret: string): string => `${txId}.${secret}`;

/** Parses an authId; undefined for anything that is not one of ours. */
export function parseAuthId(authId: unknown): ParsedAuthId | undefined {
  if (typeof authId !== 'string') return undefined;
  const [txId, secret, ...rest] = authId.split('.');
  if (rest.length > 0 || !txId || !secret || !PART.test(txId) || !PART.test(secret)) return undefined;
  return { txId, secret };
}

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Bearer secrets Proofline hands out (authId step secrets, webhook keys, one-time return codes): 256 random bits,
 * stored only as their SHA-256, checked in constant time.
 */
export const newSecret = (): string => randomBytes(32).toString('base64url');

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('base64url');

/** Whether two strings are equal, in time that does not depend on where they differ. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Constant-time check of a secret against its stored hash (false when there is none). */
export const secretMatches = (secret: string, storedHash: string | undefined): boolean =>
  storedHash !== undefined && sameSecret(hashSecret(secret), storedHash);

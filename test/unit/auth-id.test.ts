import { describe, expect, it } from 'vitest';
import {
  formatAuthId,
  hashStepSecret,
  newStepSecret,
  newTransactionId,
  parseAuthId,
  secretMatches,
} from '../../functions/engine/auth-id.js';

describe('authId', () => {
  it('carries at least 128 bits of randomness in each part', () => {
    const txId = newTransactionId();
    const secret = newStepSecret();

    expect(Buffer.from(txId, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(Buffer.from(secret, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(new Set(Array.from({ length: 1000 }, newStepSecret)).size).toBe(1000);
  });

  it('round-trips and matches only its own step', () => {
    const txId = newTransactionId();
    const secret = newStepSecret();
    const parsed = parseAuthId(formatAuthId(txId, secret));

    expect(parsed).toEqual({ txId, secret });
    expect(secretMatches(secret, hashStepSecret(secret))).toBe(true);
    expect(secretMatches(newStepSecret(), hashStepSecret(secret))).toBe(false);
    expect(secretMatches(secret, undefined)).toBe(false);
  });

  it.each([
    undefined,
    42,
    '',
    'abc',
    'a.b',
    `${'a'.repeat(22)}.${'b'.repeat(43)}.c`,
    `${'a'.repeat(22)}.b b`,
    'eyJhbGciOi.JIUzI1NiJ9',
  ])('rejects %j', (value) => {
    expect(parseAuthId(value)).toBeUndefined();
  });

  it('stores nothing that reveals the secret', () => {
    const secret = newStepSecret();

    expect(hashStepSecret(secret)).not.toContain(secret);
  });
});

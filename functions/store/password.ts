import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { intEnv } from '../shared/env.js';
import { ConfigurationError } from '../shared/errors.js';

// scrypt parameters: N=2^17, r=8, p=1 by default — OWASP's Password Storage Cheat Sheet recommendation (128 MiB,
// about 0.7 s of one core on the development machine; see docs/benchmarks.md). PASSWORD_SCRYPT_LOG_N (14..20)
// changes N for new hashes; every hash names its parameters, so existing ones keep verifying.
const LOG_N = intEnv('PASSWORD_SCRYPT_LOG_N', 17);
if (LOG_N < 14 || LOG_N > 20) {
  throw new ConfigurationError(`PASSWORD_SCRYPT_LOG_N must be between 14 and 20, got ${LOG_N}`);
}
const N = 2 ** LOG_N;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const MAX_MEM = 2 * 128 * 2 ** 20 * R * P;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { N: n, r, p, maxmem: MAX_MEM }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** Hashes a password as `scrypt$N$r$p$salt$hash` (base64url), self-describing so parameters can evolve. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Constant-time verification; a malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  if (![n, r, p].every((v) => /^\d{1,7}$/.test(v)) || Number(n) > 2 ** 20) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as a real verification, for unknown users: the response time must not tell an
 * attacker whether a username exists.
 */
export async function burnPasswordCheck(password: string): Promise<false> {
  dummyHash ??= hashPassword('proofline-dummy-password');
  await verifyPassword(password, await dummyHash);
  return false;
}

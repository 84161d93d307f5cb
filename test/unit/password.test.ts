import { randomBytes, scryptSync } from 'node:crypto';
import { hash as argon2Hash, argon2id } from 'argon2';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../functions/shared/errors.js';
import {
  argon2ParametersFromEnv,
  burnPasswordCheck,
  hashPassword,
  needsRehash,
  OWASP_ARGON2_PARAMETERS,
  verifyPassword,
} from '../../functions/store/password.js';

/** A hash as Proofline wrote them before Argon2id: `scrypt$N$r$p$salt$hash`, base64url (low N for speed). */
function legacyScryptHash(password: string, n = 2 ** 10): string {
  const salt = randomBytes(16);
  const key = scryptSync(password.normalize('NFKC'), salt, 32, { N: n, r: 8, p: 1 });
  return ['scrypt', n, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
}

describe('password hashing (Argon2id)', () => {
  it("hashes with OWASP's parameters by default and verifies only the right password", async () => {
    const hash = await hashPassword('Secret-Passw0rd');

    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(hash).not.toContain('Secret');
    await expect(verifyPassword('Secret-Passw0rd', hash)).resolves.toBe(true);
    await expect(verifyPassword('secret-Passw0rd', hash)).resolves.toBe(false);
    await expect(verifyPassword('', hash)).resolves.toBe(false);
    expect(needsRehash(hash)).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it('normalizes passwords (NFKC) before hashing', async () => {
    // "ﬁ" (U+FB01) is "fi" under NFKC; "é" composed and decomposed are the same password.
    const hash = await hashPassword('ﬁle-caf\u00e9');

    await expect(verifyPassword('file-cafe\u0301', hash)).resolves.toBe(true);
  });

  it('spends a verification for unknown users and answers false', async () => {
    await expect(burnPasswordCheck('anything')).resolves.toBe(false);
    await expect(burnPasswordCheck('proofline-dummy-password')).resolves.toBe(false);
  });

  it('asks for a rehash of Argon2id hashes below the configured parameters, never of stronger ones', async () => {
    const withOptions = (memoryCost: number, timeCost: number, parallelism: number): Promise<string> =>
      argon2Hash('pw', { type: argon2id, memoryCost, timeCost, parallelism });
    const weaker = await withOptions(8192, 2, 1);

    expect(needsRehash(weaker)).toBe(true);
    await expect(verifyPassword('pw', weaker)).resolves.toBe(true);
    expect(needsRehash(await withOptions(19_456, 1, 1))).toBe(true);
    expect(needsRehash(await withOptions(47_104, 2, 1))).toBe(false);
    expect(needsRehash(await withOptions(19_456, 3, 2))).toBe(false);
  });
});

describe('legacy scrypt hashes', () => {
  it('still verify, and ask for a rehash', async () => {
    const legacy = legacyScryptHash('Secret-Passw0rd');

    await expect(verifyPassword('Secret-Passw0rd', legacy)).resolves.toBe(true);
    await expect(verifyPassword('secret-Passw0rd', legacy)).resolves.toBe(false);
    expect(needsRehash(legacy)).toBe(true);
  });

  it('verify with NFKC normalization, as they were written', async () => {
    await expect(verifyPassword('file', legacyScryptHash('ﬁle'))).resolves.toBe(true);
  });
});

describe('malformed stored hashes', () => {
  const argon =
    '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';
  const malformed = [
    '',
    'plain-text',
    'bcrypt$1$2$3$4$5',
    'scrypt$2097152$8$1$c2FsdA$aGFzaA', // N above what Proofline ever wrote
    'scrypt$abc$8$1$c2FsdA$aGFzaA',
    'scrypt$1000$8$1$c2FsdA$aGFzaA', // N not a power of two
    'scrypt$1024$8$1$c2FsdA$aGFzaA', // key of the wrong length
    'scrypt$1024$999999$1$c2FsdA$aGFzaA',
    'scrypt$1024$8$1',
    argon.replace('argon2id', 'argon2i'),
    argon.replace('argon2id', 'argon2d'),
    argon.replace('v=19', 'v=16'),
    argon.replace('m=19456', 'm=99999999'), // 95 GiB: refused before deriving
    argon.replace('t=2', 't=999'),
    argon.replace('m=19456', 'm=8'),
    argon.replace('$c29tZXNhbHRzb21lc2FsdA', '$!!!'),
    `${argon}$extra`,
    argon.slice(0, -10),
  ];

  it.each(malformed)('never match nor throw: %j', async (stored) => {
    await expect(verifyPassword('x', stored)).resolves.toBe(false);
    expect(() => needsRehash(stored)).not.toThrow();
  });

  it('a well-formed Argon2id hash of another password does not match', async () => {
    await expect(verifyPassword('x', argon)).resolves.toBe(false);
  });
});

describe('Argon2id parameters from the environment', () => {
  it("defaults to OWASP's m = 19 MiB, t = 2, p = 1", () => {
    expect(argon2ParametersFromEnv({})).toEqual({ memoryKiB: 19_456, timeCost: 2, parallelism: 1 });
    expect(OWASP_ARGON2_PARAMETERS).toEqual(argon2ParametersFromEnv({}));
  });

  it('accepts explicit values, lower ones included (tests)', () => {
    expect(
      argon2ParametersFromEnv({
        PASSWORD_ARGON2_MEMORY_KIB: '1024',
        PASSWORD_ARGON2_TIME_COST: '1',
        PASSWORD_ARGON2_PARALLELISM: '2',
      }),
    ).toEqual({ memoryKiB: 1024, timeCost: 1, parallelism: 2 });
    expect(argon2ParametersFromEnv({ PASSWORD_ARGON2_MEMORY_KIB: '47104' }).memoryKiB).toBe(47_104);
  });

  it.each([
    ['PASSWORD_ARGON2_MEMORY_KIB', '512'],
    ['PASSWORD_ARGON2_MEMORY_KIB', '4194304'],
    ['PASSWORD_ARGON2_MEMORY_KIB', '19 MiB'],
    ['PASSWORD_ARGON2_MEMORY_KIB', '1e5'],
    ['PASSWORD_ARGON2_TIME_COST', '0'],
    ['PASSWORD_ARGON2_TIME_COST', '100'],
    ['PASSWORD_ARGON2_TIME_COST', '-1'],
    ['PASSWORD_ARGON2_PARALLELISM', '0'],
    ['PASSWORD_ARGON2_PARALLELISM', '1.5'],
    ['PASSWORD_ARGON2_PARALLELISM', '64'],
  ])('refuses %s=%s with an error naming the variable', (variable, value) => {
    expect(() => argon2ParametersFromEnv({ [variable]: value })).toThrow(ConfigurationError);
    expect(() => argon2ParametersFromEnv({ [variable]: value })).toThrow(new RegExp(`^${variable} must be`));
  });
});

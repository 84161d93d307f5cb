import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { hash as argon2Hash, argon2id, verify as argon2Verify } from 'argon2';
import { optionalEnv } from '../shared/env.js';
import { ConfigurationError } from '../shared/errors.js';

/** Argon2id cost of new hashes: memory in KiB, iterations, lanes. */
export interface Argon2Parameters {
  memoryKiB: number;
  timeCost: number;
  parallelism: number;
}

/**
 * OWASP Password Storage Cheat Sheet's first choice: Argon2id, m = 19 MiB, t = 2, p = 1. The defaults never go
 * below it; lower values are accepted only when set explicitly (tests), down to what Argon2 itself allows.
 */
export const OWASP_ARGON2_PARAMETERS: Readonly<Argon2Parameters> = Object.freeze({
  memoryKiB: 19_456,
  timeCost: 2,
  parallelism: 1,
});

// Upper bounds refuse typos (a 4 GiB hash would exhaust a Lambda) and cap what a stored hash may ask for.
const LIMITS = {
  memoryKiB: { variable: 'PASSWORD_ARGON2_MEMORY_KIB', min: 1024, max: 1_048_576 },
  timeCost: { variable: 'PASSWORD_ARGON2_TIME_COST', min: 1, max: 16 },
  parallelism: { variable: 'PASSWORD_ARGON2_PARALLELISM', min: 1, max: 16 },
} as const satisfies Record<keyof Argon2Parameters, { variable: string; min: number; max: number }>;

/** Reads and checks the Argon2id parameters; a bad value is a ConfigurationError naming its variable. */
export function argon2ParametersFromEnv(env: NodeJS.ProcessEnv = process.env): Argon2Parameters {
  const read = (key: keyof Argon2Parameters): number => {
    const { variable, min, max } = LIMITS[key];
    const raw = optionalEnv(variable, env);
    if (raw === undefined) return OWASP_ARGON2_PARAMETERS[key];
    const value = /^\d{1,9}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
    if (!(value >= min && value <= max)) {
      throw new ConfigurationError(`${variable} must be an integer between ${min} and ${max}, got "${raw}"`);
    }
    return value;
  };
  return { memoryKiB: read('memoryKiB'), timeCost: read('timeCost'), parallelism: read('parallelism') };
}

const PARAMETERS = argon2ParametersFromEnv();
const ARGON2_VERSION = 0x13;
const HASH_LENGTH = 32;

/**
 * Hashes a password as an Argon2id PHC string with a random 16-byte salt, written in the reference
 * implementation's order (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`): the argon2 package's own encoding puts `p`
 * before `t`, which the reference decoder (libargon2, libsodium) refuses, and the hashes should outlive this
 * library.
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const { memoryKiB: m, timeCost: t, parallelism: p } = PARAMETERS;
  const hash = await argon2Hash(password.normalize('NFKC'), {
    type: argon2id,
    memoryCost: m,
    timeCost: t,
    parallelism: p,
    hashLength: HASH_LENGTH,
    salt,
    raw: true,
  });
  const b64 = (bytes: Buffer): string => bytes.toString('base64').replace(/=+$/, '');
  return `$argon2id$v=${ARGON2_VERSION}$m=${m},t=${t},p=${p}$${b64(salt)}$${b64(hash)}`;
}

// Parameters are read in any order: the argon2 package writes `m=…,p=…,t=…`.
const ARGON2ID =
  /^\$argon2id\$v=(\d{1,3})\$([a-z]=\d{1,8},[a-z]=\d{1,8},[a-z]=\d{1,8})\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{22,}$/;

/** The parameters of an Argon2id hash Proofline could have written, or undefined. */
function argon2idParameters(stored: string): Argon2Parameters | undefined {
  const match = ARGON2ID.exec(stored);
  if (!match || Number(match[1]) !== ARGON2_VERSION) return undefined;
  const fields = new Map(
    (match[2] ?? '').split(',').map((field) => [field[0], Number(field.slice(2))] as const),
  );
  const parameters = { memoryKiB: fields.get('m'), timeCost: fields.get('t'), parallelism: fields.get('p') };
  const keys = Object.keys(LIMITS) as Array<keyof Argon2Parameters>;
  if (fields.size !== 3 || !keys.every((key) => parameters[key] !== undefined)) return undefined;
  const complete = parameters as Argon2Parameters;
  return keys.every((key) => complete[key] >= LIMITS[key].min && complete[key] <= LIMITS[key].max)
    ? complete
    : undefined;
}

// Legacy scrypt hashes (`scrypt$N$r$p$salt$hash`, base64url) written before Argon2id: verified, never written.
// `needsRehash` is true for them, so they are replaced on the next successful sign-in.
const SCRYPT_KEY_LENGTH = 32;

function scryptParameters(stored: string): { n: number; r: number; p: number } | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [, n, r, p] = parts as [string, string, string, string, string, string];
  if (![n, r, p].every((v) => /^\d{1,7}$/.test(v))) return undefined;
  const parameters = { n: Number(n), r: Number(r), p: Number(p) };
  // What Proofline wrote: N a power of two up to 2^20, r = 8, p = 1; anything else is not derived.
  if (parameters.n < 2 || parameters.n > 2 ** 20 || (parameters.n & (parameters.n - 1)) !== 0)
    return undefined;
  if (parameters.r !== 8 || parameters.p !== 1) return undefined;
  return parameters;
}

function verifyScrypt(password: string, stored: string): Promise<boolean> {
  const parameters = scryptParameters(stored);
  if (!parameters) return Promise.resolve(false);
  const [, , , , salt, hash] = stored.split('$') as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64url');
  if (expected.length !== SCRYPT_KEY_LENGTH) return Promise.resolve(false);
  const { n, r, p } = parameters;
  return new Promise((resolve) => {
    scrypt(
      password.normalize('NFKC'),
      Buffer.from(salt, 'base64url'),
      SCRYPT_KEY_LENGTH,
      { N: n, r, p, maxmem: 2 * 128 * n * r * p },
      (error, key) => resolve(!error && timingSafeEqual(expected, key)),
    );
  });
}

/**
 * Verifies a password against an Argon2id hash or a legacy scrypt hash, in constant time. A malformed stored
 * hash, or one asking for parameters outside what Proofline writes, never matches and never throws.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (stored.startsWith('scrypt$')) return verifyScrypt(password, stored);
  if (!argon2idParameters(stored)) return false;
  try {
    return await argon2Verify(stored, password.normalize('NFKC'));
  } catch {
    return false;
  }
}

/**
 * True when a stored hash should be replaced after a successful sign-in: legacy scrypt hashes, Argon2id hashes
 * with any parameter below the configured ones (never a downgrade of a stronger hash; argon2's own
 * `needsRehash` would flag any difference), and anything else Proofline would not write today.
 */
export function needsRehash(stored: string): boolean {
  const parameters = argon2idParameters(stored);
  if (!parameters) return true;
  return (Object.keys(PARAMETERS) as Array<keyof Argon2Parameters>).some(
    (key) => parameters[key] < PARAMETERS[key],
  );
}

/**
 * Computed when the module loads (a Lambda's init), not at the first unknown name: otherwise that first sign-in
 * on each fresh instance would hash twice and be slower than a known name's.
 */
let dummyHash: Promise<string> = hashPassword('proofline-dummy-password');
dummyHash.catch(() => undefined);

/**
 * Spends the same time as a real verification, for unknown users: the response time must not tell an
 * attacker whether a username exists.
 */
export async function burnPasswordCheck(password: string): Promise<false> {
  // A failed computation (a wrong setting at load) is tried again here, where its error reaches the caller.
  const stored = await dummyHash.catch(() => {
    dummyHash = hashPassword('proofline-dummy-password');
    return dummyHash;
  });
  await verifyPassword(password, stored);
  return false;
}

import { generateKeyPairSync, type JsonWebKey, randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import * as v from 'valibot';
import { ConfigurationError } from '../shared/errors.js';

/**
 * The OpenID Provider's secrets (ADR 24): its signing keys (private JWKs; the first of each algorithm signs, the
 * others only verify — rotation) and the keys that sign its cookies. Never in code or in the template: made on
 * first use and kept in a file under DATA_DIR locally, in a Secrets Manager secret in the cloud.
 */
export interface KeyMaterial {
  jwks: { keys: JsonWebKeyWithId[] };
  cookieKeys: string[];
}

export interface JsonWebKeyWithId extends JsonWebKey {
  kid: string;
  alg: string;
  use: 'sig';
}

const materialSchema = v.object({
  jwks: v.object({
    keys: v.pipe(
      v.array(
        v.looseObject({
          kty: v.picklist(['RSA', 'EC']),
          kid: v.pipe(v.string(), v.minLength(1)),
          alg: v.picklist(['RS256', 'ES256']),
          use: v.literal('sig'),
          d: v.pipe(v.string(), v.minLength(1)),
        }),
      ),
      v.minLength(1),
    ),
  }),
  cookieKeys: v.pipe(v.array(v.pipe(v.string(), v.minLength(32))), v.minLength(1)),
});

/** Parses stored key material; undefined when the text holds none yet (an empty secret), an error when it is bad. */
export function parseKeyMaterial(text: string | undefined, where: string): KeyMaterial | undefined {
  if (!text || text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigurationError(`${where}: the OpenID Provider keys are not valid JSON`);
  }
  if (typeof value === 'object' && value !== null && !('jwks' in value)) return undefined;
  const parsed = v.safeParse(materialSchema, value);
  if (!parsed.success) {
    throw new ConfigurationError(
      `${where}: the OpenID Provider keys are malformed (${parsed.issues.map((i) => i.message).join('; ')})`,
    );
  }
  return parsed.output as unknown as KeyMaterial;
}

const kid = (): string => randomBytes(12).toString('base64url');

/** A fresh RS256 (RSA 2048) and ES256 (P-256) signing key pair as private JWKs. */
export function newSigningKeys(): JsonWebKeyWithId[] {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  return [
    { ...rsa, kid: kid(), alg: 'RS256', use: 'sig' },
    { ...ec, kid: kid(), alg: 'ES256', use: 'sig' },
  ] as JsonWebKeyWithId[];
}

export function newKeyMaterial(): KeyMaterial {
  return { jwks: { keys: newSigningKeys() }, cookieKeys: [randomBytes(32).toString('base64url')] };
}

/**
 * Rotation, step 1 (docs/oidc.md): new signing keys first (they sign from now on), the previous ones kept after
 * them so that tokens they signed still verify; a new cookie key first, the previous one kept to read cookies.
 * Step 2, once the longest token lifetime has passed: `retireKeys` drops all but the newest.
 */
export function rotateKeys(material: KeyMaterial): KeyMaterial {
  return {
    jwks: { keys: [...newSigningKeys(), ...material.jwks.keys] },
    cookieKeys: [randomBytes(32).toString('base64url'), ...material.cookieKeys].slice(0, 2),
  };
}

export function retireKeys(material: KeyMaterial): KeyMaterial {
  const newest = new Map<string, JsonWebKeyWithId>();
  for (const key of material.jwks.keys) if (!newest.has(key.alg)) newest.set(key.alg, key);
  return { jwks: { keys: [...newest.values()] }, cookieKeys: material.cookieKeys.slice(0, 1) };
}

/** Where the key material lives. */
export interface KeySource {
  /** The material, made and stored on first use. */
  load(): Promise<KeyMaterial>;
}

/** Local runs: a 0600 file (written atomically), or memory when there is no data folder. */
export function fileKeySource(path: string | undefined): KeySource {
  let cached: Promise<KeyMaterial> | undefined;
  const load = async (): Promise<KeyMaterial> => {
    if (!path) return newKeyMaterial();
    const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    const stored = parseKeyMaterial(text, path);
    if (stored) return stored;
    const fresh = newKeyMaterial();
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(fresh), { mode: 0o600 });
    await rename(temporary, path);
    return fresh;
  };
  return {
    load() {
      cached ??= load();
      return cached;
    },
  };
}

import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SecretsManagerClient } from '../../../functions/aws/secrets-manager.js';
import { secretKeySource } from '../../../functions/oidc/cloud-secrets.js';
import {
  fileKeySource,
  newKeyMaterial,
  parseKeyMaterial,
  retireKeys,
  rotateKeys,
} from '../../../functions/oidc/keys.js';
import { ConfigurationError } from '../../../functions/shared/errors.js';

/** The OpenID Provider's key material (ADR 24): made once, kept, rotated, never half-read. */
describe('OpenID Provider keys', () => {
  it('reads no keys from an empty secret, and refuses malformed ones with a clear error', () => {
    expect(parseKeyMaterial(undefined, 'x')).toBeUndefined();
    expect(parseKeyMaterial('{}', 'x')).toBeUndefined();
    expect(() => parseKeyMaterial('{nope', 'x')).toThrow(ConfigurationError);
    expect(() => parseKeyMaterial('{"jwks":{"keys":[]},"cookieKeys":[]}', 'x')).toThrow(/malformed/);
    const material = newKeyMaterial();
    expect(parseKeyMaterial(JSON.stringify(material), 'x')).toEqual(material);
  });

  it('makes an RS256 and an ES256 private signing key and a cookie key', () => {
    const { jwks, cookieKeys } = newKeyMaterial();
    expect(jwks.keys.map((k) => [k.kty, k.alg, k.use])).toEqual([
      ['RSA', 'RS256', 'sig'],
      ['EC', 'ES256', 'sig'],
    ]);
    for (const key of jwks.keys) expect(key.d).toBeTruthy();
    expect(new Set(jwks.keys.map((k) => k.kid)).size).toBe(2);
    expect(cookieKeys[0]?.length).toBeGreaterThanOrEqual(32);
  });

  it('rotates with the new keys first and the old ones kept; retiring keeps the newest', () => {
    const first = newKeyMaterial();
    const rotated = rotateKeys(first);
    expect(rotated.jwks.keys).toHaveLength(4);
    expect(rotated.jwks.keys.slice(2)).toEqual(first.jwks.keys);
    expect(rotated.cookieKeys[1]).toBe(first.cookieKeys[0]);
    const retired = retireKeys(rotated);
    expect(retired.jwks.keys).toEqual(rotated.jwks.keys.slice(0, 2));
    expect(retired.cookieKeys).toEqual(rotated.cookieKeys.slice(0, 1));
  });

  it('keeps local keys in a 0600 file, made once and read back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'proofline-keys-'));
    try {
      const file = join(dir, 'oidc-keys.json');
      const made = await fileKeySource(file).load();
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(await fileKeySource(file).load()).toEqual(made);
      expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(made);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes the first keys to an empty secret once: a concurrent cold start reads the winner', async () => {
    // Secrets Manager's rule: one version per ClientRequestToken; the same token with another value is refused.
    let value = '{}';
    const versions = new Map<string, string>();
    const send = async (command: { constructor: { name: string }; input: Record<string, string> }) => {
      if (command.constructor.name === 'GetSecretValueCommand') return { SecretString: value };
      const { ClientRequestToken: token = '', SecretString = '' } = command.input;
      const earlier = versions.get(token);
      if (earlier !== undefined && earlier !== SecretString) {
        throw Object.assign(new Error('exists'), { name: 'ResourceExistsException' });
      }
      versions.set(token, SecretString);
      value = SecretString;
      return {};
    };
    const client = { send } as unknown as SecretsManagerClient;
    const [a, b] = await Promise.all([
      secretKeySource(client, 'arn:x').load(),
      secretKeySource(client, 'arn:x').load(),
    ]);
    expect(a).toEqual(b);
    expect(JSON.parse(value)).toEqual(a);
  });
});

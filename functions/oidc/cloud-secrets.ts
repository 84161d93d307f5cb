import * as v from 'valibot';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '../aws/secrets-manager.js';
import { ConfigurationError } from '../shared/errors.js';
import type { OidcClientConfig } from './clients.js';
import { type KeyMaterial, type KeySource, newKeyMaterial, parseKeyMaterial } from './keys.js';

/**
 * The idempotency token of the first key version: Secrets Manager keeps one version per token, so when several
 * cold starts find the secret empty at once, exactly one PutSecretValue writes keys and the others fail
 * (ResourceExistsException) and read what it wrote.
 */
const FIRST_VERSION_TOKEN = 'proofline-oidc-keys-first-version-000001';

/**
 * The cloud's key source (ADR 24): the secret the stack creates empty (`OIDC_KEYS_SECRET_ARN`). The first cold
 * start that finds no keys in it makes them and stores them; rotation is a new version written by the operator
 * (docs/oidc.md).
 */
export function secretKeySource(client: SecretsManagerClient, secretId: string): KeySource {
  let cached: Promise<KeyMaterial> | undefined;
  const read = async (): Promise<KeyMaterial | undefined> => {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    return parseKeyMaterial(SecretString, 'OIDC_KEYS_SECRET_ARN');
  };
  const load = async (): Promise<KeyMaterial> => {
    const stored = await read();
    if (stored) return stored;
    try {
      await client.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          SecretString: JSON.stringify(newKeyMaterial()),
          ClientRequestToken: FIRST_VERSION_TOKEN,
        }),
      );
    } catch (error) {
      if ((error as Error).name !== 'ResourceExistsException') throw error;
    }
    const written = await read();
    if (!written) throw new ConfigurationError('OIDC_KEYS_SECRET_ARN: the keys could not be stored');
    return written;
  };
  return {
    load() {
      cached ??= load().catch((error: unknown) => {
        cached = undefined;
        throw error;
      });
      return cached;
    },
  };
}

const secretArns = v.record(v.string(), v.pipe(v.string(), v.startsWith('arn:')));

/**
 * Confidential clients' secrets in the cloud: `OIDC_CLIENT_SECRET_ARNS` maps `<realm>/<client_id>` to the ARN of
 * the secret the stack generated for it (never in the template or the configuration).
 */
export async function withClientSecrets(
  clients: readonly OidcClientConfig[],
  arnsJson: string | undefined,
  client: SecretsManagerClient,
): Promise<OidcClientConfig[]> {
  if (!arnsJson) return [...clients];
  const parsed = v.safeParse(secretArns, JSON.parse(arnsJson));
  if (!parsed.success)
    throw new ConfigurationError('OIDC_CLIENT_SECRET_ARNS must map client keys to secret ARNs');
  return Promise.all(
    clients.map(async (c) => {
      const arn = parsed.output[`${c.realm}/${c.client_id}`];
      if (!arn) return c;
      const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: arn }));
      if (!SecretString) throw new ConfigurationError(`The secret of OIDC client ${c.client_id} is empty`);
      return { ...c, client_secret: SecretString };
    }),
  );
}

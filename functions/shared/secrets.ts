import { GetSecretValueCommand, SecretsManagerClient } from '../aws/secrets-manager.js';
import { ConfigurationError } from './errors.js';

/** How long a secret read is kept (Powertools' `maxAge: 300`, which this replaces). */
const MAX_AGE_MS = 5 * 60_000;

/** A secret that could not be read (Powertools' name, kept: the SDK's error is its cause). */
export class GetParameterError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GetParameterError';
  }
}

/** A secret that is not JSON (Powertools' name and message, kept). */
export class TransformParameterError extends Error {
  constructor(message: string) {
    super(`Unable to transform value using 'json' transform: ${message}`);
    this.name = 'TransformParameterError';
  }
}

const cache = new Map<string, { value: unknown; expires: number }>();
let defaultClient: SecretsManagerClient | undefined;
const sharedClient = (): SecretsManagerClient => {
  defaultClient ??= new SecretsManagerClient();
  return defaultClient;
};

/**
 * The secret `arn` parsed as JSON, kept 5 minutes per ARN, as Powertools' `getSecret(arn, {transform: 'json',
 * maxAge: 300})` gave it: the SecretString (else the SecretBinary, as UTF-8), undefined when the secret has no
 * value (not kept); a read that fails throws GetParameterError (the service's error as its cause), a value that
 * is not JSON TransformParameterError.
 */
export async function getJsonSecret(
  arn: string,
  client: SecretsManagerClient = sharedClient(),
  now: () => number = Date.now,
): Promise<unknown> {
  const cached = cache.get(arn);
  if (cached && cached.expires > now()) return cached.value;
  let raw: string | Uint8Array | undefined;
  try {
    const { SecretString, SecretBinary } = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    raw = SecretString || SecretBinary;
  } catch (error) {
    throw new GetParameterError((error as Error).message, { cause: error });
  }
  if (raw === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : new TextDecoder('utf-8').decode(raw));
  } catch (error) {
    throw new TransformParameterError((error as Error).message);
  }
  cache.set(arn, { value, expires: now() + MAX_AGE_MS });
  return value;
}

/**
 * In the cloud, vendor secrets live in Secrets Manager, never in plain environment variables: when
 * `arnVariable` (e.g. IDEMIA_SECRET_ARN) is set, the secret — a JSON object of variable names to values, such as
 * `{"IDEMIA_CLIENT_SECRET": "…", "IDEMIA_GIPS_API_KEY": "…"}` — is read (cached 5 minutes) and laid over the
 * environment. Without it, the environment is used as it is (local runs, tests).
 */
export async function withSecrets(
  env: NodeJS.ProcessEnv,
  arnVariable: string,
  client?: SecretsManagerClient,
): Promise<NodeJS.ProcessEnv> {
  const arn = env[arnVariable];
  if (!arn) return env;
  const secret = await getJsonSecret(arn, client);
  if (typeof secret !== 'object' || secret === null || Array.isArray(secret)) {
    throw new ConfigurationError(`The secret named by ${arnVariable} must be a JSON object of strings`);
  }
  const values = Object.entries(secret as Record<string, unknown>);
  if (values.some(([, value]) => typeof value !== 'string')) {
    throw new ConfigurationError(`The secret named by ${arnVariable} must be a JSON object of strings`);
  }
  return { ...env, ...(Object.fromEntries(values) as Record<string, string>) };
}

import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { ConfigurationError } from './errors.js';

/**
 * In the cloud, vendor secrets live in Secrets Manager, never in plain environment variables: when
 * `arnVariable` (e.g. IDEMIA_SECRET_ARN) is set, the secret — a JSON object of variable names to values, such as
 * `{"IDEMIA_CLIENT_SECRET": "…", "IDEMIA_GIPS_API_KEY": "…"}` — is read (cached 5 minutes) and laid over the
 * environment. Without it, the environment is used as it is (local runs, tests).
 */
export async function withSecrets(env: NodeJS.ProcessEnv, arnVariable: string): Promise<NodeJS.ProcessEnv> {
  const arn = env[arnVariable];
  if (!arn) return env;
  const secret = await getSecret(arn, { transform: 'json', maxAge: 300 });
  if (typeof secret !== 'object' || secret === null || Array.isArray(secret)) {
    throw new ConfigurationError(`The secret named by ${arnVariable} must be a JSON object of strings`);
  }
  const values = Object.entries(secret as Record<string, unknown>);
  if (values.some(([, value]) => typeof value !== 'string')) {
    throw new ConfigurationError(`The secret named by ${arnVariable} must be a JSON object of strings`);
  }
  return { ...env, ...(Object.fromEntries(values) as Record<string, string>) };
}

/**
 * The AWS SDK's default credential provider, as the Lambda bundles have it: the execution role's credentials
 * that Lambda puts in the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), the
 * first link of the SDK's own chain and the only one a function uses. The bundler aliases
 * `@aws-sdk/credential-provider-node` to this module (infra/cloud/constructs/function.ts): the rest of that chain
 * (profiles and SSO with their nested STS/SSO clients, process, web identity, IMDS, container) is ~130 KB of
 * every bundle that a function never runs (issue 10 §2, docs/adr/0017-lean-bundles.md). Never imported by the
 * local runtime or the tests, which keep the SDK's chain.
 */
export interface EnvironmentCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
  readonly accountId?: string;
}

/** Same name and shape as `@aws-sdk/credential-provider-node`'s export, which the SDK's clients import. */
export const defaultProvider =
  (_init: unknown = {}, env: NodeJS.ProcessEnv = process.env) =>
  async (): Promise<EnvironmentCredentials> => {
    const accessKeyId = env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey) {
      throw new Error('No AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)');
    }
    const expiration = env.AWS_CREDENTIAL_EXPIRATION;
    return {
      accessKeyId,
      secretAccessKey,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
      ...(expiration ? { expiration: new Date(expiration) } : {}),
      ...(env.AWS_ACCOUNT_ID ? { accountId: env.AWS_ACCOUNT_ID } : {}),
    };
  };

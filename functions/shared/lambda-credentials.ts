import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * The AWS SDK's default credential provider, as the Lambda bundles have it: the SDK's own environment provider
 * (`fromEnv`: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_CREDENTIAL_EXPIRATION`),
 * which is where Lambda puts the execution role's credentials — the first link of the SDK's chain and the only
 * one a function uses. The bundler aliases `@aws-sdk/credential-provider-node` to this module
 * (infra/cloud/constructs/function.ts): the rest of that chain (profiles and SSO with their nested STS/SSO
 * clients, process, web identity, IMDS, container) is ~130 KB of every bundle that a function never runs
 * (issue 10 §2, docs/adr/0017-lean-bundles.md). Never imported by the local runtime or the tests' clients, which
 * keep the SDK's chain.
 */
export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}): ReturnType<typeof fromEnv> =>
  fromEnv(init);

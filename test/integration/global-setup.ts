import type {} from 'vitest';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    dynamodbEndpoint: string;
    tables: Record<string, string>;
    idemiaSandboxUrl: string;
    iproovSandboxUrl: string;
    proofsDir: string;
  }
}

/** One embedded runtime (in-memory DynamoDB Local) for the whole run; tests use unique user names. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Quiet logs unless asked for; set before the logger module loads.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  const { startRuntime } = await import('../../infra/local/runtime.js');
  const runtime = await startRuntime({
    port: 0,
    env: {
      ...process.env,
      REALMS: 'alpha',
      CORS_ORIGINS: 'http://app.example.test',
      // Every test client is 127.0.0.1: per-client throttling is tested on a runtime of its own
      // (throttle.test.ts), not left to decide which other test gets a 429.
      THROTTLE_LOGIN_CLIENT_MAX: '1000000',
      THROTTLE_MESSAGE_CLIENT_MAX: '1000000',
      // verified_claims under eIDAS (its levels: low/substantial/high), as a deployment governed by it sets.
      IDA_TRUST_FRAMEWORK: 'eidas',
      // The OpenID Provider's test applications (test/integration/oidc.test.ts).
      OIDC_CLIENTS: JSON.stringify([
        {
          realm: 'alpha',
          client_id: 'test-rp',
          client_secret: 'test-rp-secret-0123456789abcdef',
          redirect_uris: ['http://rp.example.test/callback'],
          post_logout_redirect_uris: ['http://rp.example.test/signed-out'],
          scope: 'openid email profile',
          proofline_verified_claims: true,
        },
        {
          realm: 'alpha',
          client_id: 'test-public',
          token_endpoint_auth_method: 'none',
          redirect_uris: ['http://app.example.test/'],
          scope: 'openid email',
          proofline_journey: 'Registration',
        },
      ]),
    },
  });
  project.provide('baseUrl', runtime.url);
  project.provide('dynamodbEndpoint', runtime.dynamodbEndpoint);
  project.provide('tables', runtime.tables);
  project.provide('idemiaSandboxUrl', runtime.idemiaSandbox?.url ?? '');
  project.provide('iproovSandboxUrl', runtime.iproovSandbox?.url ?? '');
  project.provide('proofsDir', runtime.proofsDir);
  return () => runtime.stop();
}

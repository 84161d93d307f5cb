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

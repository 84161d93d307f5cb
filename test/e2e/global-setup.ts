import { readFileSync } from 'node:fs';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { targetName } from './target.js';

declare module 'vitest' {
  export interface ProvidedContext {
    e2eLocalBaseUrl: string;
    e2eIdemiaSandboxUrl: string;
    e2eIproovSandboxUrl: string;
    /** GET: the email and SMS sent, newest first (`{channel, to, subject?, text, sentAt}`). */
    e2eOutboxUrl: string;
    /** JSON `{dynamodbEndpoint, tables}`: the target's tables, reached directly as an operator's tools would. */
    e2eStore: string;
    /** cdk-out target only: JSON of CdkOutProbe (the AWS endpoint and the functions' credentials). */
    e2eCdkOutProbe: string;
    /** cdk-out target only: the harness's meter (GET: the usage per step; POST `/step` `{journey, step}`). */
    e2eMeterUrl: string;
  }
}

/**
 * For the `local` target: the embedded runtime (in-memory DynamoDB Local) on a free loopback port. For `cdk-out`:
 * the synthesized stack stood up from cdk.out (test/e2e/cdk-out/stack.ts).
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (targetName() === 'cdk-out') {
    const { startCdkOutStack } = await import('./cdk-out/stack.js');
    const { Meter } = await import('./cdk-out/meter.js');
    // Metered (it changes nothing the functions see): the meter's own test checks it counts real work.
    const stack = await startCdkOutStack({ meter: new Meter() });
    project.provide('e2eLocalBaseUrl', stack.url);
    project.provide('e2eIdemiaSandboxUrl', stack.idemiaSandboxUrl);
    project.provide('e2eIproovSandboxUrl', stack.iproovSandboxUrl);
    project.provide('e2eCdkOutProbe', JSON.stringify(stack.probe));
    project.provide('e2eOutboxUrl', stack.outboxUrl);
    project.provide('e2eMeterUrl', stack.meterUrl ?? '');
    project.provide(
      'e2eStore',
      JSON.stringify({ dynamodbEndpoint: stack.dynamodbEndpoint, tables: stack.tables }),
    );
    return () => stack.stop();
  }
  if (targetName() !== 'local') return undefined;
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  const { startRuntime } = await import('../../infra/local/runtime.js');
  // Every e2e client is 127.0.0.1: the per-client throttles would only decide which test gets a 429.
  const runtime = await startRuntime({
    port: 0,
    env: {
      ...process.env,
      THROTTLE_LOGIN_CLIENT_MAX: '1000000',
      THROTTLE_MESSAGE_CLIENT_MAX: '1000000',
      // The public OIDC client of the test configuration (infra/cloud/test-config.json), as on cdk-out.
      OIDC_CLIENTS: JSON.stringify(
        (
          JSON.parse(readFileSync('infra/cloud/test-config.json', 'utf8')) as {
            oidcClients: { token_endpoint_auth_method?: string }[];
          }
        ).oidcClients.filter((c) => c.token_endpoint_auth_method === 'none'),
      ),
    },
  });
  project.provide('e2eLocalBaseUrl', runtime.url);
  project.provide('e2eIdemiaSandboxUrl', runtime.idemiaSandbox?.url ?? '');
  project.provide('e2eIproovSandboxUrl', runtime.iproovSandbox?.url ?? '');
  project.provide('e2eOutboxUrl', `${runtime.url.replace(/\/$/, '')}/outbox`);
  project.provide(
    'e2eStore',
    JSON.stringify({ dynamodbEndpoint: runtime.dynamodbEndpoint, tables: runtime.tables }),
  );
  return () => runtime.stop();
}

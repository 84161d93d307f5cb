import { resolve } from 'node:path';
import { intEnv, optionalEnv } from '../../functions/shared/env.js';
import { startRuntime } from './runtime.js';

/** `npm start`: Proofline on loopback, data under DATA_DIR (default ./.data, git-ignored). */
const port = intEnv('PORT', 8080);
const dataDir = resolve(optionalEnv('DATA_DIR') ?? '.data');
const runtime = await startRuntime({
  port,
  dataDir,
  dynamodbEndpoint: optionalEnv('DYNAMODB_ENDPOINT'),
  idemiaSandboxPort: intEnv('IDEMIA_SANDBOX_PORT', port === 0 ? 0 : port + 1),
  iproovSandboxPort: intEnv('IPROOV_SANDBOX_PORT', port === 0 ? 0 : port + 2),
  stopGraceMs: intEnv('SHUTDOWN_TIMEOUT_SECONDS', 10) * 1000,
});

const base = runtime.url;
process.stdout.write(
  [
    '',
    `Proofline is running (journeys: ${[...runtime.engine.journeys].join(', ')})`,
    `  Base URL (SDK serverConfig.baseUrl): ${base}/`,
    `  Authenticate:  POST ${base}/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=Login`,
    `  Sessions:      POST ${base}/json/realms/root/realms/alpha/sessions?_action=validate`,
    `  Webhooks:      POST ${base}/webhooks/idemia/ipa/{key}, POST ${base}/webhooks/iproov/{key}`,
    ...(runtime.idemiaSandbox
      ? [`  IDEMIA sandbox: ${runtime.idemiaSandbox.url} (start page, GIPS, control API /sandbox/…)`]
      : ['  IDEMIA:        configured by IDEMIA_* variables']),
    ...(runtime.iproovSandbox
      ? [
          `  iProov sandbox: ${runtime.iproovSandbox.url} (REST API v2, stand-in SDK page, control API /sandbox/…)`,
        ]
      : ['  iProov:        configured by IPROOV_* variables']),
    `  Sign-in pages: ${base}/ (hosted pages; /enduser/ signed-in summary; /console raw JSON)`,
    `  OpenID:        ${base}/oauth2/realms/root/realms/alpha/.well-known/openid-configuration`,
    `  Sample app:    ${base}/sample-app/ (OIDC client proofline-demo)`,
    `  Outbox:        ${base}/outbox (email and SMS that would have been sent)`,
    `  Data:          ${dataDir}`,
    'Press Ctrl+C to stop.',
    '',
  ].join('\n'),
);

/**
 * SIGTERM or Ctrl+C: stop accepting connections, let the requests in flight finish (up to
 * SHUTDOWN_TIMEOUT_SECONDS), then stop the sandboxes and the database. A second signal stops at once.
 */
let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) {
    process.stdout.write(`${signal} again: stopping now\n`);
    process.exit(1);
  }
  stopping = true;
  process.stdout.write(`\n${signal}: stopping (requests in flight may finish)…\n`);
  try {
    await runtime.stop();
  } catch (error) {
    process.stderr.write(`Stopping failed: ${String(error)}\n`);
    process.exit(1);
  }
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

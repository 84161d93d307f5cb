import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createApiHandler } from '../../functions/api/app.js';
import { apiDeps, nodeServices, oidcDeps, pagesDeps, webhookDeps } from '../../functions/composition/root.js';
import { NODE_FAMILIES } from '../../functions/contract/families.js';
import type { JourneyContext, NodeInvocation } from '../../functions/contract/journey.js';
import type { NodeServices } from '../../functions/contract/nodes.js';
import { EmbeddedEngine } from '../../functions/engine/embedded.js';
import { NODE_LOOKUP } from '../../functions/nodes/registry.js';
import { runNode } from '../../functions/nodes/run.js';
import { createOidcHandler } from '../../functions/oidc/app.js';
import type { OidcClientConfig } from '../../functions/oidc/clients.js';
import { fileKeySource } from '../../functions/oidc/keys.js';
import { createPagesHandler } from '../../functions/pages/app.js';
import { isIdemiaConfigured } from '../../functions/providers/idemia/config.js';
import { isIproovConfigured } from '../../functions/providers/iproov/config.js';
import { backgroundMailer } from '../../functions/providers/messaging/deferred.js';
import { OutboxMessaging } from '../../functions/providers/messaging/port.js';
import { intEnv, optionalEnv } from '../../functions/shared/env.js';
import { ConfigurationError } from '../../functions/shared/errors.js';
import { stepTimeoutsFromEnv } from '../../functions/shared/timeouts.js';
import { createDocumentClient, type Store, type TableNames } from '../../functions/store/dynamo.js';
import { passwordHasher } from '../../functions/store/password-hasher.js';
import { LocalProofStore } from '../../functions/store/proofs.js';
import { TABLES } from '../../functions/store/tables.js';
import { resumeInBackground } from '../../functions/webhooks/resume.js';
import { routeWebhooks } from '../../functions/webhooks/router.js';
import { IdemiaSandbox } from '../../sandboxes/idemia/server.js';
import { IproovSandbox } from '../../sandboxes/iproov/server.js';
import { outboxHandler } from './demo.js';
import { ensureTables, type LocalDynamo, startDynamoDbLocal } from './dynamodb.js';
import { type HttpHandler, startHttpServer } from './http-server.js';
import { removeRuntimeInfo, writeRuntimeInfo } from './runtime-info.js';
import { sampleAppHandler } from './sample-app.js';

export interface RuntimeOptions {
  /** Port to listen on (0: any free port). */
  port: number;
  /** Folder for DynamoDB Local's files; undefined keeps the data in memory. */
  dataDir?: string;
  /** Use this DynamoDB endpoint instead of starting DynamoDB Local (LocalStack, a real region…). */
  dynamodbEndpoint?: string;
  env?: NodeJS.ProcessEnv;
  /** Port of the IDEMIA sandbox (0: any). */
  idemiaSandboxPort?: number;
  /** Port of the iProov sandbox (0: any). */
  iproovSandboxPort?: number;
  /** How long sandbox IPA sessions live before HEARTBEAT_TIMEOUT (default IPA's 30 minutes). */
  idemiaSessionTtlMs?: number;
  /**
   * How long `stop()` lets requests in flight finish before it closes their connections (default 10 s). A step
   * cut short keeps its claim until the lease expires; the client's retry then takes it over.
   */
  stopGraceMs?: number;
}

export interface Runtime {
  url: string;
  dynamodbEndpoint: string;
  tables: TableNames;
  store: Store;
  engine: EmbeddedEngine;
  /** What email and SMS would have been sent (also at GET /outbox). */
  outbox: OutboxMessaging;
  /** The IDEMIA sandbox, when no real IDEMIA is configured. */
  idemiaSandbox?: IdemiaSandbox;
  /** The iProov sandbox, when no real iProov is configured. */
  iproovSandbox?: IproovSandbox;
  /** IDEMIA proof archives, encrypted (under DATA_DIR/proofs, or a temporary folder for in-memory runs). */
  proofs: LocalProofStore;
  proofsDir: string;
  /**
   * Stops gracefully: no new connections; requests in flight finish (up to `stopGraceMs`, then their
   * connections are closed), background resumes settle; then the sandboxes and the database stop.
   */
  stop(): Promise<void>;
}

const localClient = (endpoint: string): DynamoDBClient =>
  new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

/**
 * The local proof store: `<dataDir>/proofs` with its key in `<dataDir>/proof.key` (0600, made on first run) or
 * `PROOF_ENCRYPTION_KEY` (base64, 32 bytes); without a data folder, a temporary folder and a key in memory.
 * Proofs older than `PROOF_RETENTION_DAYS` (default 90) are swept at start and hourly.
 */
async function localProofStore(
  dataDir: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<{ proofs: LocalProofStore; dir: string; temporary: boolean; sweeper: NodeJS.Timeout }> {
  const configured = env.PROOF_ENCRYPTION_KEY ? Buffer.from(env.PROOF_ENCRYPTION_KEY, 'base64') : undefined;
  if (configured && configured.length !== 32) {
    throw new ConfigurationError('PROOF_ENCRYPTION_KEY must be the base64 of 32 random bytes (AES-256)');
  }
  const retentionDays = intEnv('PROOF_RETENTION_DAYS', 90, env);
  let key = configured;
  let dir: string;
  if (dataDir) {
    dir = join(dataDir, 'proofs');
    await mkdir(dir, { recursive: true });
    if (!key) {
      const keyFile = join(dataDir, 'proof.key');
      key = await readFile(keyFile).catch(async () => {
        const fresh = randomBytes(32);
        await writeFile(keyFile, fresh, { mode: 0o600 });
        return fresh;
      });
      await chmod(keyFile, 0o600);
    }
  } else {
    dir = await mkdtemp(join(tmpdir(), 'proofline-proofs-'));
  }
  const proofs = new LocalProofStore(dir, key ?? randomBytes(32));
  await proofs.sweep(retentionDays);
  const sweeper = setInterval(() => void proofs.sweep(retentionDays).catch(() => undefined), 3600_000);
  sweeper.unref();
  return { proofs, dir, temporary: !dataDir, sweeper };
}

/**
 * Stops the server accepting connections and waits for the requests in flight to be answered: idle keep-alive
 * connections are closed as soon as they are idle; after `graceMs`, whatever is left is closed.
 */
export async function drain(server: Server, graceMs: number): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // A keep-alive connection goes idle when its response is sent: close it then, not at the client's leisure.
  const idle = setInterval(() => server.closeIdleConnections(), 50);
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs);
  });
  try {
    if ((await Promise.race([closed, late])) === 'late') {
      server.closeAllConnections();
      await closed;
    }
  } finally {
    clearInterval(idle);
    clearTimeout(timer);
  }
}

/**
 * Proofline on one machine: DynamoDB Local, the tables, the same ASL files on the embedded interpreter, the
 * same node and API handlers, behind an HTTP server that speaks API Gateway's event format.
 */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const env = options.env ?? process.env;
  // First, so that a wrong setting fails before anything is started.
  const proofStore = await localProofStore(options.dataDir, env);
  const dynamo: LocalDynamo | undefined = options.dynamodbEndpoint
    ? undefined
    : await startDynamoDbLocal(options.dataDir, localClient);
  const endpoint = options.dynamodbEndpoint ?? (dynamo as LocalDynamo).endpoint;
  const client = localClient(endpoint);
  const tables = Object.fromEntries(
    TABLES.map((t) => [t.id, env[t.envVar] ?? `proofline-${t.id}`]),
  ) as TableNames;
  await ensureTables(client, tables);
  const store: Store = {
    doc: createDocumentClient(endpoint),
    tables,
  };
  // The IDEMIA sandbox stands in for IDEMIA unless real IDEMIA_* settings are given.
  let idemiaSandbox: IdemiaSandbox | undefined;
  if (!isIdemiaConfigured(env)) {
    idemiaSandbox = new IdemiaSandbox({
      clientId: 'proofline-sandbox-client',
      clientSecret: randomBytes(16).toString('hex'),
      gipsApiKey: randomBytes(16).toString('hex'),
      applicationId: 'proofline-sandbox-app',
      ...(options.idemiaSessionTtlMs ? { sessionTtlMs: options.idemiaSessionTtlMs } : {}),
    });
    await idemiaSandbox.start(options.idemiaSandboxPort ?? 0);
  }
  // Likewise the iProov sandbox, unless IPROOV_* settings are given.
  let iproovSandbox: IproovSandbox | undefined;
  if (!isIproovConfigured(env)) {
    iproovSandbox = new IproovSandbox({
      apiKey: 'proofline-sandbox-key',
      apiSecret: randomBytes(16).toString('hex'),
      oauthUsername: 'proofline-sandbox-oauth',
      oauthPassword: randomBytes(16).toString('hex'),
      // Enrolments survive a restart, as the users under DATA_DIR do.
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    });
    await iproovSandbox.start(options.iproovSandboxPort ?? 0);
  }
  // The same composition root as the Lambdas; only what is local is given: DynamoDB Local's store, the
  // sandboxes' vendor settings, the outbox, the local proof store, the embedded engine, background resumes.
  const rootEnv: NodeJS.ProcessEnv = { ...env, ...idemiaSandbox?.env(), ...iproovSandbox?.env() };
  const outbox = new OutboxMessaging();
  // Email Suspend's mail is sent in the background, as the Lambda's asynchronous self-invocation does.
  const mailer = backgroundMailer(outbox);
  const services: NodeServices = nodeServices(rootEnv, {
    store,
    passwords: passwordHasher,
    messaging: outbox,
    mailer,
    proofs: proofStore.proofs,
  });
  const nodeHandler = (event: NodeInvocation): Promise<JourneyContext> => runNode(event, services);
  // The state machines' TimeoutSeconds, as on AWS: a step never outlives its lease.
  const engine = new EmbeddedEngine(
    NODE_LOOKUP,
    Object.fromEntries(Object.values(NODE_FAMILIES).map((family) => [family.substitution, nodeHandler])),
    undefined,
    { timeoutSeconds: stepTimeoutsFromEnv(env).stepSeconds },
  );
  // Plain HTTP on loopback: the session cookie is Secure only when SESSION_COOKIE_SECURE says so (the cloud
  // default is Secure; see apiConfigFromEnv).
  const secureCookie = optionalEnv('SESSION_COOKIE_SECURE', env) === 'true';
  const { journeys, sessions, config } = apiDeps(rootEnv, { store, engine, secureCookie });
  const api = createApiHandler({ journeys, sessions, config });
  // Webhooks answer first and resume the journey in the background, as the Lambda does with a self-invocation.
  const resume = resumeInBackground(journeys);
  const webhooks = routeWebhooks(webhookDeps(rootEnv, { store, journeys, resume }).routes);
  // The OpenID Provider (ADR 24), built on its first request (its issuer is this server's URL); keys under the
  // data folder. The public demo client `proofline-demo` is registered besides OIDC_CLIENTS.
  let publicUrl = '';
  let oidc: Promise<HttpHandler> | undefined;
  const oidcHandler: HttpHandler = async (event) => {
    oidc ??= oidcDeps(rootEnv, {
      store,
      secureCookie,
      keys: fileKeySource(options.dataDir ? join(options.dataDir, 'oidc-keys.json') : undefined),
      publicBaseUrl: () => publicUrl,
      extraClients: demoOidcClients(publicUrl, rootEnv),
    }).then(createOidcHandler);
    return (await oidc)(event);
  };
  let server: Server;
  let url: string;
  try {
    ({ server, url } = await startHttpServer(
      [
        { prefix: '/json/', handler: (event) => api(event, {} as never) },
        { prefix: '/webhooks/', handler: webhooks },
        { prefix: '/oauth2/', handler: oidcHandler, ownCors: true },
        { prefix: '/sample-app', handler: sampleAppHandler() },
        { prefix: '/outbox', handler: outboxHandler(outbox) },
        // The hosted pages (`/`, `/pages/…`, `/enduser/`, `/console`; anything else: their 404), as on AWS.
        {
          prefix: '/',
          handler: createPagesHandler(
            pagesDeps(rootEnv, {
              store,
              journeys: [...engine.journeys],
              ...(iproovSandbox ? { iproovSandboxUrl: iproovSandbox.url } : {}),
            }),
          ),
        },
      ],
      options.port,
      '127.0.0.1',
      {
        origins: (env.CORS_ORIGINS ?? '')
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean),
      },
    ));
  } catch (error) {
    clearInterval(proofStore.sweeper);
    await idemiaSandbox?.stop();
    await iproovSandbox?.stop();
    await dynamo?.stop();
    throw error;
  }
  services.publicBaseUrl = (env.PUBLIC_BASE_URL ?? url).replace(/\/$/, '');
  publicUrl = services.publicBaseUrl;
  // The pages people open: Proofline's hosted pages unless UI_BASE_URL names others; successUrl follows them.
  services.uiBaseUrl = (env.UI_BASE_URL ?? url).replace(/\/$/, '');
  config.successUrl = optionalEnv('SUCCESS_URL', env) ?? `${services.uiBaseUrl}/enduser/`;
  // How operator commands reach this runtime (`npm run admin`, ADR 12); only for a runtime on disk.
  if (options.dataDir) {
    await writeRuntimeInfo(options.dataDir, {
      version: 1,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      url,
      dynamodbEndpoint: endpoint,
      tables,
      realms: [...config.realms],
      proofsDir: proofStore.dir,
      iproov: iproovSandbox ? { source: 'sandbox', env: iproovSandbox.env() } : { source: 'environment' },
    });
  }
  return {
    url,
    dynamodbEndpoint: endpoint,
    tables,
    store,
    engine,
    outbox,
    ...(idemiaSandbox ? { idemiaSandbox } : {}),
    ...(iproovSandbox ? { iproovSandbox } : {}),
    proofs: proofStore.proofs,
    proofsDir: proofStore.dir,
    async stop() {
      clearInterval(proofStore.sweeper);
      if (options.dataDir) await removeRuntimeInfo(options.dataDir);
      // In-flight steps still need the sandboxes and the database: those stop last.
      await drain(server, options.stopGraceMs ?? 10_000);
      await resume.settle();
      await mailer.settle();
      if (proofStore.temporary) await rm(proofStore.dir, { recursive: true, force: true });
      await idemiaSandbox?.stop();
      await iproovSandbox?.stop();
      client.destroy();
      store.doc.destroy();
      await dynamo?.stop();
    },
  };
}

/**
 * `npm start`'s public OpenID Connect client `proofline-demo` (realm alpha; PKCE, no secret), whose redirect URI
 * is the runtime's sample application page; left out when OIDC_CLIENTS defines a client of that id itself.
 */
function demoOidcClients(url: string, env: NodeJS.ProcessEnv): OidcClientConfig[] {
  if ((env.OIDC_CLIENTS ?? '').includes('"proofline-demo"')) return [];
  return [
    {
      realm: 'alpha',
      client_id: 'proofline-demo',
      client_name: 'Proofline demo application',
      token_endpoint_auth_method: 'none',
      redirect_uris: [`${url}/sample-app/`],
      post_logout_redirect_uris: [`${url}/sample-app/`],
      scope: 'openid email profile phone',
      proofline_verified_claims: true,
    },
  ];
}

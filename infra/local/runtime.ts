import type { Server } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createApiHandler } from '../../functions/api/app.js';
import { apiConfigFromEnv } from '../../functions/api/config.js';
import { EmbeddedEngine } from '../../functions/engine/embedded.js';
import { JourneyService } from '../../functions/engine/journeys.js';
import type { JourneyContext, NodeInvocation } from '../../functions/engine/types.js';
import { NODE_FAMILIES } from '../../functions/nodes/families.js';
import { runNode } from '../../functions/nodes/run.js';
import type { NodeServices } from '../../functions/nodes/types.js';
import type { Store, TableNames } from '../../functions/store/dynamo.js';
import { SessionRepository } from '../../functions/store/sessions.js';
import { TABLES } from '../../functions/store/tables.js';
import { TransactionRepository } from '../../functions/store/transactions.js';
import { UserRepository } from '../../functions/store/users.js';
import { demoHandler } from './demo.js';
import { ensureTables, type LocalDynamo, startDynamoDbLocal } from './dynamodb.js';
import { startHttpServer } from './http-server.js';

export interface RuntimeOptions {
  /** Port to listen on (0: any free port). */
  port: number;
  /** Folder for DynamoDB Local's files; undefined keeps the data in memory. */
  dataDir?: string;
  /** Use this DynamoDB endpoint instead of starting DynamoDB Local (LocalStack, a real region…). */
  dynamodbEndpoint?: string;
  env?: NodeJS.ProcessEnv;
}

export interface Runtime {
  url: string;
  dynamodbEndpoint: string;
  tables: TableNames;
  store: Store;
  engine: EmbeddedEngine;
  stop(): Promise<void>;
}

const localClient = (endpoint: string): DynamoDBClient =>
  new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

/**
 * Proofline on one machine: DynamoDB Local, the tables, the same ASL files on the embedded interpreter, the
 * same node and API handlers, behind an HTTP server that speaks API Gateway's event format.
 */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const env = options.env ?? process.env;
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
    doc: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    tables,
  };
  const users = new UserRepository(store);
  const sessions = new SessionRepository(store);
  const services: NodeServices = { users };
  const nodeHandler = (event: NodeInvocation): Promise<JourneyContext> => runNode(event, services);
  const engine = new EmbeddedEngine({ [NODE_FAMILIES.identity.substitution]: nodeHandler });
  const config = { ...apiConfigFromEnv(env), secureCookie: false };
  const api = createApiHandler({
    journeys: new JourneyService({
      engine,
      transactions: new TransactionRepository(store),
      sessions,
      users,
      config,
    }),
    sessions,
    config,
  });
  let server: Server;
  let url: string;
  try {
    ({ server, url } = await startHttpServer(
      [
        { prefix: '/json/', handler: (event) => api(event, {} as never) },
        { prefix: '/', handler: demoHandler([...engine.journeys]) },
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
    await dynamo?.stop();
    throw error;
  }
  return {
    url,
    dynamodbEndpoint: endpoint,
    tables,
    store,
    engine,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      client.destroy();
      await dynamo?.stop();
    },
  };
}

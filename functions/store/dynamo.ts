import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { optionalEnv, requireEnv } from '../shared/env.js';
import { TABLES, type TableId } from './tables.js';

export type TableNames = Record<TableId, string>;

/** What every repository needs: the document client and the physical table names. */
export interface Store {
  readonly doc: DynamoDBDocumentClient;
  readonly tables: TableNames;
}

export function createDocumentClient(endpoint?: string): DynamoDBDocumentClient {
  const client = new DynamoDBClient(
    endpoint
      ? {
          endpoint,
          region: process.env.AWS_REGION ?? 'us-east-1',
          // DynamoDB Local accepts any credentials; real endpoints use the default provider chain.
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {},
  );
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

let cached: Store | undefined;

/** The store configured from the environment (`<TABLE>_TABLE` names, optional `DYNAMODB_ENDPOINT`). */
export function storeFromEnv(env: NodeJS.ProcessEnv = process.env): Store {
  if (cached) return cached;
  const tables = Object.fromEntries(TABLES.map((t) => [t.id, requireEnv(t.envVar, env)])) as TableNames;
  cached = { doc: createDocumentClient(optionalEnv('DYNAMODB_ENDPOINT', env)), tables };
  return cached;
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

export { nowSeconds } from '../contract/clock.js';

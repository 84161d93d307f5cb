import { DocumentClient } from '../aws/dynamodb.js';
import { optionalEnv, requireEnv } from '../shared/env.js';
import { TABLES, type TableId } from './tables.js';

export type TableNames = Record<TableId, string>;

/** What every repository needs: the document client and the physical table names. */
export interface Store {
  readonly doc: DocumentClient;
  readonly tables: TableNames;
}

/**
 * The document client (Proofline's lean DynamoDB client, ADR 25): at `endpoint` (DynamoDB Local, which takes any
 * credentials) when given, else AWS's, with the function's credentials from the environment.
 */
export function createDocumentClient(endpoint?: string): DocumentClient {
  return new DocumentClient(
    endpoint
      ? {
          endpoint,
          region: process.env.AWS_REGION ?? 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {},
  );
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

import type {
  BatchGetCommandInput,
  BatchGetCommandOutput,
  BatchWriteCommandInput,
  BatchWriteCommandOutput,
  DeleteCommandInput,
  DeleteCommandOutput,
  GetCommandInput,
  GetCommandOutput,
  PutCommandInput,
  PutCommandOutput,
  QueryCommandInput,
  QueryCommandOutput,
  ScanCommandInput,
  ScanCommandOutput,
  TransactGetCommandInput,
  TransactGetCommandOutput,
  TransactWriteCommandInput,
  TransactWriteCommandOutput,
  UpdateCommandInput,
  UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';

import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { Command, type Json, metadataOf, ServiceClient, type ServiceConfig, toJson } from './client.js';
import { readJsonError } from './errors.js';

/**
 * DynamoDB's document API (ADR 25): the commands of `@aws-sdk/lib-dynamodb` — same names, same input and output
 * types, the same marshalling (`@aws-sdk/util-dynamodb`, undefined values removed) — sent over DynamoDB's JSON
 * protocol by Proofline's lean transport (`http.ts`) instead of the SDK's client, which is ~170 KB of every
 * bundle and most of a request's CPU. Errors are the SDK's (`ConditionalCheckFailedException` with the raw `Item`
 * of ReturnValuesOnConditionCheckFailure, `TransactionCanceledException` with `CancellationReasons`…).
 */

/** A document command: its DynamoDB operation and its input, in plain JavaScript values. */
abstract class DocumentCommand<Input extends object, Output> extends Command<Input, Output> {
  abstract readonly operation: string;
}

export class GetCommand extends DocumentCommand<GetCommandInput, GetCommandOutput> {
  readonly operation = 'GetItem';
}
export class PutCommand extends DocumentCommand<PutCommandInput, PutCommandOutput> {
  readonly operation = 'PutItem';
}
export class UpdateCommand extends DocumentCommand<UpdateCommandInput, UpdateCommandOutput> {
  readonly operation = 'UpdateItem';
}
export class DeleteCommand extends DocumentCommand<DeleteCommandInput, DeleteCommandOutput> {
  readonly operation = 'DeleteItem';
}
export class QueryCommand extends DocumentCommand<QueryCommandInput, QueryCommandOutput> {
  readonly operation = 'Query';
}
export class ScanCommand extends DocumentCommand<ScanCommandInput, ScanCommandOutput> {
  readonly operation = 'Scan';
}
export class BatchGetCommand extends DocumentCommand<BatchGetCommandInput, BatchGetCommandOutput> {
  readonly operation = 'BatchGetItem';
}
export class BatchWriteCommand extends DocumentCommand<BatchWriteCommandInput, BatchWriteCommandOutput> {
  readonly operation = 'BatchWriteItem';
}
export class TransactGetCommand extends DocumentCommand<TransactGetCommandInput, TransactGetCommandOutput> {
  readonly operation = 'TransactGetItems';
}
export class TransactWriteCommand extends DocumentCommand<
  TransactWriteCommandInput,
  TransactWriteCommandOutput
> {
  readonly operation = 'TransactWriteItems';
}

const MARSHALL = { removeUndefinedValues: true, convertClassInstanceToMap: false } as const;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The keys whose values are items (or keys) in a request; the rest of a request is copied as is. */
const ITEM_KEYS = new Set(['Item', 'Key', 'ExclusiveStartKey', 'ExpressionAttributeValues']);
/** The keys that nest requests (batch and transaction entries). */
const NESTED_KEYS = new Set([
  'Put',
  'Update',
  'Delete',
  'ConditionCheck',
  'Get',
  'PutRequest',
  'DeleteRequest',
]);

function marshallRequest(input: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (ITEM_KEYS.has(key) && isObject(value)) out[key] = marshall(value, MARSHALL);
    else if (key === 'Keys' && Array.isArray(value)) out[key] = value.map((k: Json) => marshall(k, MARSHALL));
    else if (NESTED_KEYS.has(key) && isObject(value)) out[key] = marshallRequest(value);
    else if (key === 'TransactItems' && Array.isArray(value)) out[key] = value.map(marshallRequest);
    else if (key === 'RequestItems' && isObject(value)) out[key] = mapTables(value, marshallRequest);
    else out[key] = value;
  }
  return out;
}

/** Applies `f` to each table's entry (BatchGet: `{Keys…}`; BatchWrite: an array of requests). */
function mapTables(tables: Json, f: (entry: Json) => Json): Json {
  return Object.fromEntries(
    Object.entries(tables).map(([table, entry]) => [
      table,
      Array.isArray(entry) ? entry.map((e: Json) => f(e)) : isObject(entry) ? f(entry) : entry,
    ]),
  );
}

type Attributes = Parameters<typeof unmarshall>[0];
const fromItem = (item: unknown): unknown => (isObject(item) ? unmarshall(item as Attributes) : item);

function unmarshallResponse(output: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(output)) {
    if (key === 'Item' || key === 'Attributes' || key === 'LastEvaluatedKey' || key === 'Key')
      out[key] = fromItem(value);
    else if ((key === 'Items' || key === 'Keys') && Array.isArray(value)) out[key] = value.map(fromItem);
    else if (key === 'Responses' && Array.isArray(value)) out[key] = value.map(unmarshallResponse);
    else if (key === 'Responses' && isObject(value))
      out[key] = Object.fromEntries(
        Object.entries(value).map(([table, items]) => [
          table,
          Array.isArray(items) ? items.map(fromItem) : items,
        ]),
      );
    else if ((key === 'UnprocessedKeys' || key === 'UnprocessedItems') && isObject(value))
      out[key] = mapTables(value, unmarshallResponse);
    else if ((key === 'PutRequest' || key === 'DeleteRequest') && isObject(value))
      out[key] = unmarshallResponse(value);
    else out[key] = value;
  }
  return out;
}

const bytes = (base64: string): Uint8Array => {
  const buffer = Buffer.from(base64, 'base64');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
};

/**
 * JSON.parse's reviver: a binary attribute value (`{"B": "<base64>"}`, `{"BS": [...]}`) as bytes, as the SDK gives
 * them. (A map attribute named B or BS has an attribute value, an object, never a string or a string array.)
 */
function binaryFromBase64(key: string, value: unknown): unknown {
  if (key === 'B' && typeof value === 'string') return bytes(value);
  if (key === 'BS' && Array.isArray(value) && value.every((v) => typeof v === 'string'))
    return value.map((v: string) => bytes(v));
  return value;
}

export class DocumentClient extends ServiceClient {
  constructor(config: ServiceConfig = {}) {
    super({ signingName: 'dynamodb', endpointId: 'DYNAMODB', hostPrefix: 'dynamodb' }, config);
  }

  /** Sends one command; resolves to its output (plain values), or throws the service's AwsError. */
  async send<Input extends object, Output>(command: DocumentCommand<Input, Output>): Promise<Output> {
    const response = await this.http.send(
      {
        method: 'POST',
        path: '/',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': `DynamoDB_20120810.${command.operation}`,
        },
        // Binary values (B, BS) go as base64, as DynamoDB's JSON protocol wants them.
        body: toJson(marshallRequest(command.input as Json)),
      },
      (answer) => readJsonError(answer, binaryFromBase64),
    );
    const text = response.body.toString('utf8');
    const parsed: unknown = text ? JSON.parse(text, binaryFromBase64) : {};
    return {
      ...unmarshallResponse(isObject(parsed) ? parsed : {}),
      $metadata: metadataOf(response),
    } as Output;
  }
}

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '../../functions/aws/dynamodb.js';
import { logger } from '../../functions/shared/logger.js';

/** A stand-in for DynamoDB's JSON endpoint: records each request and answers from a queue. */
interface Seen {
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}
let server: Server;
let endpoint: string;
const seen: Seen[] = [];
const answers: Array<{ status: number; body: unknown }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      const answer = answers.shift() ?? { status: 200, body: {} };
      res.writeHead(answer.status, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-requestid': 'r-1',
      });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen.length = 0;
  answers.length = 0;
});

const client = (maxAttempts?: number): DocumentClient =>
  new DocumentClient({
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    ...(maxAttempts ? { maxAttempts } : {}),
  });

describe('DocumentClient (DynamoDB JSON protocol)', () => {
  it('sends a signed PutItem with the item marshalled (undefined removed, bytes as base64)', async () => {
    answers.push({ status: 200, body: {} });
    const out = await client().send(
      new PutCommand({
        TableName: 'Transactions',
        Item: { id: 'a', n: 3, gone: undefined, nested: { ok: true, list: [1, 'x'] }, z: Buffer.from('hi') },
        ConditionExpression: 'attribute_not_exists(id)',
      }),
    );
    expect(out.$metadata).toEqual({ httpStatusCode: 200, requestId: 'r-1' });
    const [request] = seen;
    expect(request?.headers['x-amz-target']).toBe('DynamoDB_20120810.PutItem');
    expect(request?.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(request?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/dynamodb\/aws4_request, SignedHeaders=.*host.*x-amz-date.*, Signature=[0-9a-f]{64}$/,
    );
    expect(request?.body).toEqual({
      TableName: 'Transactions',
      Item: {
        id: { S: 'a' },
        n: { N: '3' },
        nested: { M: { ok: { BOOL: true }, list: { L: [{ N: '1' }, { S: 'x' }] } } },
        z: { B: Buffer.from('hi').toString('base64') },
      },
      ConditionExpression: 'attribute_not_exists(id)',
    });
  });

  it('answers GetItem and UpdateItem with plain values, binaries as bytes', async () => {
    answers.push({ status: 200, body: { Item: { id: { S: 'a' }, z: { B: 'aGk=' }, n: { N: '7' } } } });
    const { Item } = await client().send(new GetCommand({ TableName: 'T', Key: { id: 'a' } }));
    expect(Item?.n).toBe(7);
    expect(Item?.z).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(Item?.z as Uint8Array).toString()).toBe('hi');
    expect(seen[0]?.body).toEqual({ TableName: 'T', Key: { id: { S: 'a' } } });

    answers.push({ status: 200, body: { Attributes: { count: { N: '2' } } } });
    const { Attributes } = await client().send(
      new UpdateCommand({
        TableName: 'T',
        Key: { id: 'a' },
        UpdateExpression: 'ADD #c :one',
        ExpressionAttributeNames: { '#c': 'count' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'ALL_NEW',
      }),
    );
    expect(Attributes).toEqual({ count: 2 });
    expect(seen[1]?.body.ExpressionAttributeValues).toEqual({ ':one': { N: '1' } });
  });

  it('marshalls transactions, batches and queries, and unmarshalls their answers', async () => {
    answers.push({ status: 200, body: {} });
    await client().send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: 'U', Item: { id: 'u' } } },
          {
            ConditionCheck: { TableName: 'U', Key: { id: 'v' }, ConditionExpression: 'attribute_exists(id)' },
          },
          { Delete: { TableName: 'U', Key: { id: 'w' } } },
          {
            Update: {
              TableName: 'U',
              Key: { id: 'x' },
              UpdateExpression: 'SET a = :a',
              ExpressionAttributeValues: { ':a': 'b' },
            },
          },
        ],
      }),
    );
    expect(seen[0]?.body).toEqual({
      TransactItems: [
        { Put: { TableName: 'U', Item: { id: { S: 'u' } } } },
        {
          ConditionCheck: {
            TableName: 'U',
            Key: { id: { S: 'v' } },
            ConditionExpression: 'attribute_exists(id)',
          },
        },
        { Delete: { TableName: 'U', Key: { id: { S: 'w' } } } },
        {
          Update: {
            TableName: 'U',
            Key: { id: { S: 'x' } },
            UpdateExpression: 'SET a = :a',
            ExpressionAttributeValues: { ':a': { S: 'b' } },
          },
        },
      ],
    });

    answers.push({
      status: 200,
      body: {
        Responses: { U: [{ id: { S: 'u' } }] },
        UnprocessedKeys: { U: { Keys: [{ id: { S: 'v' } }] } },
      },
    });
    const got = await client().send(
      new BatchGetCommand({ RequestItems: { U: { Keys: [{ id: 'u' }, { id: 'v' }] } } }),
    );
    expect(seen[1]?.body).toEqual({
      RequestItems: { U: { Keys: [{ id: { S: 'u' } }, { id: { S: 'v' } }] } },
    });
    expect(got.Responses).toEqual({ U: [{ id: 'u' }] });
    expect(got.UnprocessedKeys).toEqual({ U: { Keys: [{ id: 'v' }] } });

    answers.push({
      status: 200,
      body: { UnprocessedItems: { U: [{ DeleteRequest: { Key: { id: { S: 'w' } } } }] } },
    });
    const written = await client().send(
      new BatchWriteCommand({
        RequestItems: { U: [{ PutRequest: { Item: { id: 'u' } } }, { DeleteRequest: { Key: { id: 'w' } } }] },
      }),
    );
    expect(seen[2]?.body).toEqual({
      RequestItems: {
        U: [{ PutRequest: { Item: { id: { S: 'u' } } } }, { DeleteRequest: { Key: { id: { S: 'w' } } } }],
      },
    });
    expect(written.UnprocessedItems).toEqual({ U: [{ DeleteRequest: { Key: { id: 'w' } } }] });

    answers.push({
      status: 200,
      body: { Items: [{ id: { S: 'q' } }], LastEvaluatedKey: { id: { S: 'q' } }, Count: 1 },
    });
    const page = await client().send(
      new QueryCommand({
        TableName: 'U',
        IndexName: 'byX',
        KeyConditionExpression: 'x = :x',
        ExpressionAttributeValues: { ':x': 'y' },
        ExclusiveStartKey: { id: 'p' },
      }),
    );
    expect(seen[3]?.body.ExclusiveStartKey).toEqual({ id: { S: 'p' } });
    expect(page).toMatchObject({ Items: [{ id: 'q' }], LastEvaluatedKey: { id: 'q' }, Count: 1 });
  });

  it("throws the service's errors by name, with their fields, as the SDK does", async () => {
    answers.push({
      status: 400,
      body: {
        __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
        message: 'The conditional request failed',
        Item: { id: { S: 'a' }, expiresAt: { N: '5' } },
      },
    });
    const error = await client()
      .send(
        new PutCommand({
          TableName: 'T',
          Item: { id: 'a' },
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'ConditionalCheckFailedException',
      message: 'The conditional request failed',
      $fault: 'client',
      $metadata: { httpStatusCode: 400, attempts: 1 },
      Item: { id: { S: 'a' }, expiresAt: { N: '5' } },
    });
    expect(seen).toHaveLength(1);

    answers.push({
      status: 400,
      body: {
        __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
        Message: 'Transaction cancelled',
        CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
      },
    });
    const cancelled = await client()
      .send(new TransactWriteCommand({ TransactItems: [] }))
      .catch((e: unknown) => e);
    expect(cancelled).toMatchObject({
      name: 'TransactionCanceledException',
      message: 'Transaction cancelled',
      CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
    });
  });

  it('retries throttling and 5XX answers, then succeeds; gives up after maxAttempts', async () => {
    answers.push(
      {
        status: 400,
        body: { __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException' },
      },
      { status: 500, body: { __type: 'com.amazon.coral.service#InternalFailure' } },
      { status: 200, body: { Item: { id: { S: 'a' } } } },
    );
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const { Item } = await client(3).send(new GetCommand({ TableName: 'T', Key: { id: 'a' } }));
    expect(Item).toEqual({ id: 'a' });
    expect(seen).toHaveLength(3);
    // Each retry is logged for the operator: the service, the error and the attempt — nothing of the request.
    expect(warn.mock.calls).toEqual([
      [
        'AWS request retried',
        { service: 'dynamodb', error: 'ProvisionedThroughputExceededException', status: 400, attempt: 1 },
      ],
      ['AWS request retried', { service: 'dynamodb', error: 'InternalFailure', status: 500, attempt: 2 }],
    ]);
    warn.mockRestore();

    seen.length = 0;
    answers.push(
      { status: 503, body: { __type: 'ServiceUnavailable' } },
      { status: 503, body: { __type: 'ServiceUnavailable' } },
    );
    const error = await client(2)
      .send(new GetCommand({ TableName: 'T', Key: { id: 'a' } }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ServiceUnavailable', $fault: 'server', $metadata: { attempts: 2 } });
    expect(seen).toHaveLength(2);
  });

  it('names a request that got no answer NetworkingError, with no status', async () => {
    const closed = new DocumentClient({
      endpoint: 'http://127.0.0.1:9',
      region: 'eu-west-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
    });
    const error = await closed
      .send(new GetCommand({ TableName: 'T', Key: { id: 'a' } }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'NetworkingError', $fault: 'server', $metadata: { attempts: 1 } });
    expect((error as { $metadata: { httpStatusCode?: number } }).$metadata.httpStatusCode).toBeUndefined();
  });
});

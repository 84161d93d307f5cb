import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as sdkLambda from '@aws-sdk/client-lambda';
import * as sdkS3 from '@aws-sdk/client-s3';
import * as sdkSecrets from '@aws-sdk/client-secrets-manager';
import * as sdkSes from '@aws-sdk/client-sesv2';
import * as sdkSfn from '@aws-sdk/client-sfn';
import * as sdkSns from '@aws-sdk/client-sns';
import * as sdkDoc from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as lean from '../../functions/aws/dynamodb.js';
import * as leanLambda from '../../functions/aws/lambda.js';
import * as leanS3 from '../../functions/aws/s3.js';
import * as leanSecrets from '../../functions/aws/secrets-manager.js';
import * as leanSes from '../../functions/aws/sesv2.js';
import * as leanSfn from '../../functions/aws/sfn.js';
import * as leanSns from '../../functions/aws/sns.js';

/**
 * The lean clients (ADR 25) against the reference: the AWS SDK v3 itself. Each operation is sent by both to the
 * same loopback endpoint with the same input and answered with the same AWS answer; what reaches the wire
 * (method, path, query, the headers that carry meaning, the body) and what each client makes of the answer must
 * be the same. This is the check that the wire formats are AWS's and not only what a stand-in accepts.
 */

interface Seen {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
}
interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

let server: Server;
let endpoint: string;
const seen: Seen[] = [];
let answer: Answer = { status: 200, headers: {}, body: '' };

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push({
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(answer.status, { 'x-amzn-requestid': 'req-1', ...answer.headers });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen.length = 0;
});

const REGION = 'eu-west-1';
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' };
const sdkConfig = () => ({ endpoint, region: REGION, credentials, maxAttempts: 1 });
const leanConfig = () => ({ endpoint, region: REGION, credentials, maxAttempts: 1 });

/** The headers whose values carry meaning (not the date, signature, user agent or SDK bookkeeping). */
const MEANINGFUL = [
  'content-type',
  'x-amz-target',
  'x-amz-invocation-type',
  'x-amz-server-side-encryption',
  'x-amz-server-side-encryption-aws-kms-key-id',
  'x-amz-security-token',
];
const meaningful = (headers: IncomingHttpHeaders): Record<string, string> =>
  Object.fromEntries(
    MEANINGFUL.flatMap((name) => (headers[name] === undefined ? [] : [[name, String(headers[name])]])),
  );
const credentialScope = (headers: IncomingHttpHeaders): string | undefined =>
  /Credential=[^/]+\/\d{8}\/([^,]+),/.exec(String(headers.authorization ?? ''))?.[1];

/** A body compared by meaning: JSON parsed, a form as its sorted pairs, anything else as it is. */
function bodyOf(request: Seen): unknown {
  const type = String(request.headers['content-type'] ?? '');
  if (type.includes('json')) return request.body ? JSON.parse(request.body) : {};
  if (type.includes('x-www-form-urlencoded')) return [...new URLSearchParams(request.body)].sort();
  return request.body.replace(/<\?xml[^>]*\?>/, '').replace(/>\s+</g, '><');
}

const stripMetadata = (output: object): Record<string, unknown> => {
  const { $metadata: _ignored, ...rest } = output as Record<string, unknown>;
  return rest;
};

/** Sends with both clients; asserts the same wire request and the same output. */
async function same(
  reply: Answer,
  sdk: () => Promise<object>,
  ours: () => Promise<object>,
  options: {
    ignoreHeaders?: string[];
    output?: (o: Record<string, unknown>) => Record<string, unknown>;
  } = {},
): Promise<{ request: Seen; output: Record<string, unknown> }> {
  answer = reply;
  const normalize = options.output ?? ((o) => o);
  const sdkOutput = normalize(stripMetadata(await sdk()));
  const oursOutput = normalize(stripMetadata(await ours()));
  expect(seen).toHaveLength(2);
  const [a, b] = seen as [Seen, Seen];
  const headers = (h: IncomingHttpHeaders) => {
    const m = meaningful(h);
    for (const name of options.ignoreHeaders ?? []) delete m[name];
    return m;
  };
  // S3's SDK adds `x-id=<operation>` to its queries, for its own logs; S3 ignores it.
  const query = (q: Record<string, string>) => {
    const { 'x-id': _ignored, ...rest } = q;
    return rest;
  };
  expect({
    method: b.method,
    path: b.path,
    query: query(b.query),
    headers: headers(b.headers),
    body: bodyOf(b),
  }).toEqual({
    method: a.method,
    path: a.path,
    query: query(a.query),
    headers: headers(a.headers),
    body: bodyOf(a),
  });
  expect(credentialScope(b.headers)).toBe(credentialScope(a.headers));
  expect(oursOutput).toEqual(sdkOutput);
  return { request: b, output: oursOutput };
}

const json = (body: unknown, type = 'application/x-amz-json-1.0'): Answer => ({
  status: 200,
  headers: { 'content-type': type },
  body: JSON.stringify(body),
});
const xml = (body: string): Answer => ({ status: 200, headers: { 'content-type': 'text/xml' }, body });

describe('the lean clients send and read what the AWS SDK v3 sends and reads', () => {
  const sdkDocClient = () =>
    sdkDoc.DynamoDBDocumentClient.from(new DynamoDBClient(sdkConfig()), {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
  const leanDoc = () => new lean.DocumentClient(leanConfig());

  it('DynamoDB: PutItem with every kind of value, GetItem back', async () => {
    const item = {
      id: 'a',
      n: 1.5,
      big: 9_007_199_254_740_991,
      s: 'text',
      empty: '',
      yes: true,
      none: null,
      gone: undefined,
      list: [1, 'x', { deep: [true] }],
      map: { nested: { again: 'y' } },
      bytes: new Uint8Array([0, 1, 254, 255]),
      strings: new Set(['p', 'q']),
      numbers: new Set([1, 2]),
    };
    const input = {
      TableName: 'T',
      Item: item,
      ConditionExpression: 'attribute_not_exists(id) OR #v = :v',
      ExpressionAttributeNames: { '#v': 'version' },
      ExpressionAttributeValues: { ':v': 3 },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
    await same(
      json({}),
      () => sdkDocClient().send(new sdkDoc.PutCommand(input)),
      () => leanDoc().send(new lean.PutCommand(input)),
    );

    seen.length = 0;
    const stored = {
      Item: {
        id: { S: 'a' },
        n: { N: '1.5' },
        bytes: { B: 'AAH+/w==' },
        strings: { SS: ['p', 'q'] },
        numbers: { NS: ['1', '2'] },
        list: { L: [{ N: '1' }, { M: { deep: { L: [{ BOOL: true }] } } }] },
        none: { NULL: true },
        bin: { BS: ['AQ=='] },
      },
    };
    const { output } = await same(
      json(stored),
      () =>
        sdkDocClient().send(
          new sdkDoc.GetCommand({ TableName: 'T', Key: { id: 'a' }, ConsistentRead: true }),
        ),
      () => leanDoc().send(new lean.GetCommand({ TableName: 'T', Key: { id: 'a' }, ConsistentRead: true })),
    );
    expect(output.Item).toMatchObject({ n: 1.5, none: null });
  });

  it('DynamoDB: UpdateItem, Query, BatchGet, BatchWrite, TransactWrite', async () => {
    const update = {
      TableName: 'T',
      Key: { id: 'a' },
      UpdateExpression: 'ADD #c :one SET tags = :tags',
      ExpressionAttributeNames: { '#c': 'count' },
      ExpressionAttributeValues: { ':one': 1, ':tags': ['x'] },
      ReturnValues: 'ALL_NEW' as const,
    };
    await same(
      json({ Attributes: { id: { S: 'a' }, count: { N: '2' } } }),
      () => sdkDocClient().send(new sdkDoc.UpdateCommand(update)),
      () => leanDoc().send(new lean.UpdateCommand(update)),
    );
    seen.length = 0;
    const query = {
      TableName: 'T',
      IndexName: 'byUid',
      KeyConditionExpression: 'uid = :u',
      ExpressionAttributeValues: { ':u': 'x' },
      ExclusiveStartKey: { id: 'p', uid: 'x' },
      Limit: 2,
    };
    await same(
      json({ Items: [{ id: { S: 'q' } }], Count: 1, ScannedCount: 1, LastEvaluatedKey: { id: { S: 'q' } } }),
      () => sdkDocClient().send(new sdkDoc.QueryCommand(query)),
      () => leanDoc().send(new lean.QueryCommand(query)),
    );
    seen.length = 0;
    const batchGet = {
      RequestItems: { T: { Keys: [{ id: 'a' }, { id: 'b' }], ProjectionExpression: 'id' } },
    };
    await same(
      json({
        Responses: { T: [{ id: { S: 'a' } }] },
        UnprocessedKeys: { T: { Keys: [{ id: { S: 'b' } }] } },
      }),
      () => sdkDocClient().send(new sdkDoc.BatchGetCommand(batchGet)),
      () => leanDoc().send(new lean.BatchGetCommand(batchGet)),
    );
    seen.length = 0;
    const batchWrite = {
      RequestItems: {
        T: [{ PutRequest: { Item: { id: 'a', n: 1 } } }, { DeleteRequest: { Key: { id: 'b' } } }],
      },
    };
    await same(
      json({ UnprocessedItems: { T: [{ PutRequest: { Item: { id: { S: 'a' }, n: { N: '1' } } } }] } }),
      () => sdkDocClient().send(new sdkDoc.BatchWriteCommand(batchWrite)),
      () => leanDoc().send(new lean.BatchWriteCommand(batchWrite)),
    );
    seen.length = 0;
    const transact = {
      TransactItems: [
        {
          Put: {
            TableName: 'T',
            Item: { id: 'u', z: new Uint8Array([7]) },
            ConditionExpression: 'attribute_not_exists(id)',
          },
        },
        {
          ConditionCheck: {
            TableName: 'T',
            Key: { id: 'v' },
            ConditionExpression: 'a = :a',
            ExpressionAttributeValues: { ':a': 1 },
          },
        },
        { Delete: { TableName: 'T', Key: { id: 'w' } } },
        {
          Update: {
            TableName: 'T',
            Key: { id: 'x' },
            UpdateExpression: 'SET b = :b',
            ExpressionAttributeValues: { ':b': { c: 'd' } },
          },
        },
      ],
      ClientRequestToken: 'token-1',
    };
    await same(
      json({}),
      () => sdkDocClient().send(new sdkDoc.TransactWriteCommand(transact)),
      () => leanDoc().send(new lean.TransactWriteCommand(transact)),
    );
  });

  it('DynamoDB: the same error, by name and with its fields', async () => {
    answer = {
      status: 400,
      headers: { 'content-type': 'application/x-amz-json-1.0' },
      body: JSON.stringify({
        __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
        Message: 'Transaction cancelled, please refer cancellation reasons for specific reasons',
        CancellationReasons: [
          { Code: 'None' },
          { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
        ],
      }),
    };
    const input = { TransactItems: [{ Delete: { TableName: 'T', Key: { id: 'w' } } }] };
    const a = (await sdkDocClient()
      .send(new sdkDoc.TransactWriteCommand(input))
      .catch((e: unknown) => e)) as Record<string, unknown>;
    const b = (await leanDoc()
      .send(new lean.TransactWriteCommand(input))
      .catch((e: unknown) => e)) as Record<string, unknown>;
    expect(b.name).toBe(a.name);
    expect(b.message).toBe(a.message);
    expect(b.CancellationReasons).toEqual(a.CancellationReasons);
    expect(b.$fault).toBe(a.$fault);
    expect((b.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(
      (a.$metadata as { httpStatusCode: number }).httpStatusCode,
    );
  });

  it('DynamoDB: a failed condition with the old item (ReturnValuesOnConditionCheckFailure), as the SDK gives it', async () => {
    answer = {
      status: 400,
      headers: { 'content-type': 'application/x-amz-json-1.0' },
      body: JSON.stringify({
        __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
        message: 'The conditional request failed',
        Item: { id: { S: 'a' }, expiresAt: { N: '1700000000' }, z: { B: 'AQ==' } },
      }),
    };
    const input = {
      TableName: 'T',
      Key: { id: 'a' },
      UpdateExpression: 'SET n = :n',
      ConditionExpression: 'expiresAt > :n',
      ExpressionAttributeValues: { ':n': 1 },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
    const a = (await sdkDocClient()
      .send(new sdkDoc.UpdateCommand(input))
      .catch((e: unknown) => e)) as Record<string, unknown>;
    const b = (await leanDoc()
      .send(new lean.UpdateCommand(input))
      .catch((e: unknown) => e)) as Record<string, unknown>;
    expect(b.name).toBe('ConditionalCheckFailedException');
    expect(b.name).toBe(a.name);
    expect(b.message).toBe(a.message);
    // The store reads the old item's attributes from the error as the SDK leaves them.
    expect(JSON.parse(JSON.stringify(b.Item))).toEqual(JSON.parse(JSON.stringify(a.Item)));
  });

  it('Step Functions: StartSyncExecution', async () => {
    const input = {
      stateMachineArn: 'arn:aws:states:eu-west-1:1:stateMachine:Login',
      input: '{"a":1}',
      name: 'n1',
    };
    await same(
      json({
        executionArn: 'arn:aws:states:eu-west-1:1:express:Login:n1:x',
        startDate: 1_700_000_000.123,
        stopDate: 1_700_000_001.5,
        status: 'SUCCEEDED',
        output: '{"b":2}',
        billingDetails: { billedDurationInMilliseconds: 100, billedMemoryUsedInMB: 64 },
      }),
      () =>
        new sdkSfn.SFNClient({ ...sdkConfig(), disableHostPrefix: true }).send(
          new sdkSfn.StartSyncExecutionCommand(input),
        ),
      () => new leanSfn.SFNClient(leanConfig()).send(new leanSfn.StartSyncExecutionCommand(input)),
    );
  });

  it('Lambda: an asynchronous Invoke', async () => {
    const input = {
      FunctionName: 'arn:aws:lambda:eu-west-1:1:function:Proofline-Api',
      InvocationType: 'Event' as const,
      Payload: new TextEncoder().encode('{"resume":"tx"}'),
    };
    const { output } = await same(
      { status: 202, headers: { 'content-type': 'application/json' }, body: '' },
      () => new sdkLambda.LambdaClient(sdkConfig()).send(new sdkLambda.InvokeCommand(input)),
      () => new leanLambda.LambdaClient(leanConfig()).send(new leanLambda.InvokeCommand(input)),
      {
        // The SDK sends no content type for a binary payload; Lambda takes either.
        ignoreHeaders: ['content-type'],
        // The payload's bytes (the SDK wraps them in its blob adapter).
        output: (o) => ({
          ...o,
          Payload: Buffer.from((o.Payload as Uint8Array | null) ?? []).toString('utf8'),
        }),
      },
    );
    expect(output.StatusCode).toBe(202);
  });

  it('SES v2: SendEmail', async () => {
    const input = {
      FromEmailAddress: 'no-reply@example.com',
      Destination: { ToAddresses: ['ada@example.com'] },
      Content: {
        Simple: {
          Subject: { Data: 'Your code', Charset: 'UTF-8' },
          Body: {
            Text: { Data: 'Hello', Charset: 'UTF-8' },
            Html: { Data: '<p>Hello</p>', Charset: 'UTF-8' },
          },
        },
      },
      ConfigurationSetName: 'proofline',
    };
    await same(
      { status: 200, headers: { 'content-type': 'application/json' }, body: '{"MessageId":"m-1"}' },
      () => new sdkSes.SESv2Client(sdkConfig()).send(new sdkSes.SendEmailCommand(input)),
      () => new leanSes.SESv2Client(leanConfig()).send(new leanSes.SendEmailCommand(input)),
    );
  });

  it('SNS: Publish an SMS with its attributes', async () => {
    const input = {
      PhoneNumber: '+447700900123',
      Message: 'Your code: 123 & more',
      MessageAttributes: {
        'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
        'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: 'Proofline' },
      },
    };
    await same(
      xml(
        '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId></PublishResult><ResponseMetadata><RequestId>f187a3c1-376f-11df-8963-01868b7c937a</RequestId></ResponseMetadata></PublishResponse>',
      ),
      () => new sdkSns.SNSClient(sdkConfig()).send(new sdkSns.PublishCommand(input)),
      () => new leanSns.SNSClient(leanConfig()).send(new leanSns.PublishCommand(input)),
    );
  });

  it('S3: PutObject with SSE-KMS, ListObjectsV2, DeleteObjects', async () => {
    const s3Sdk = () => new sdkS3.S3Client({ ...sdkConfig(), forcePathStyle: true });
    const s3Lean = () => new leanS3.S3Client(leanConfig());
    const put = {
      Bucket: 'proofs-bucket',
      Key: 'proofs/user 1/ipa+(1).bin',
      Body: new Uint8Array([1, 2, 3]),
      ContentType: 'application/octet-stream',
      ServerSideEncryption: 'aws:kms' as const,
      SSEKMSKeyId: 'arn:aws:kms:eu-west-1:1:key/k',
    };
    await same(
      {
        status: 200,
        headers: { etag: '"5289df737df57326fcdd22597afb1fac"', 'x-amz-server-side-encryption': 'aws:kms' },
        body: '',
      },
      () => s3Sdk().send(new sdkS3.PutObjectCommand(put)),
      () => s3Lean().send(new leanS3.PutObjectCommand(put)),
    );
    seen.length = 0;
    const list = { Bucket: 'proofs-bucket', Prefix: 'proofs/user 1/', ContinuationToken: 'tok' };
    await same(
      xml(
        '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>proofs-bucket</Name><Prefix>proofs/user 1/</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated><ContinuationToken>tok</ContinuationToken><NextContinuationToken>next</NextContinuationToken><Contents><Key>proofs/user 1/a &amp; b</Key><Size>3</Size><ETag>"e"</ETag><StorageClass>STANDARD</StorageClass></Contents><Contents><Key>proofs/user 1/c</Key><Size>4</Size></Contents></ListBucketResult>',
      ),
      () => s3Sdk().send(new sdkS3.ListObjectsV2Command(list)),
      () => s3Lean().send(new leanS3.ListObjectsV2Command(list)),
    );
    seen.length = 0;
    const del = {
      Bucket: 'proofs-bucket',
      Delete: { Objects: [{ Key: 'proofs/user 1/a & b' }, { Key: 'proofs/user 1/c' }], Quiet: true },
    };
    await same(
      xml(
        '<?xml version="1.0" encoding="UTF-8"?><DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Error><Key>proofs/user 1/c</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error></DeleteResult>',
      ),
      () => s3Sdk().send(new sdkS3.DeleteObjectsCommand(del)),
      () => s3Lean().send(new leanS3.DeleteObjectsCommand(del)),
      // The integrity header differs by design: the SDK sends a CRC32 checksum, the lean client Content-MD5.
      { ignoreHeaders: ['content-type'] },
    );
  });

  it('Secrets Manager: GetSecretValue and PutSecretValue', async () => {
    await same(
      json(
        {
          ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:k',
          Name: 'k',
          VersionId: 'v',
          SecretString: '{"a":"b"}',
          VersionStages: ['AWSCURRENT'],
          CreatedDate: 1_523_477_145.713,
        },
        'application/x-amz-json-1.1',
      ),
      () =>
        new sdkSecrets.SecretsManagerClient(sdkConfig()).send(
          new sdkSecrets.GetSecretValueCommand({ SecretId: 'k' }),
        ),
      () =>
        new leanSecrets.SecretsManagerClient(leanConfig()).send(
          new leanSecrets.GetSecretValueCommand({ SecretId: 'k' }),
        ),
    );
    seen.length = 0;
    const put = {
      SecretId: 'k',
      SecretString: '{"keys":[]}',
      ClientRequestToken: 'fixed-token-0000000000000000000001',
    };
    await same(
      json(
        {
          ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:k',
          Name: 'k',
          VersionId: 'fixed',
          VersionStages: ['AWSCURRENT'],
        },
        'application/x-amz-json-1.1',
      ),
      () => new sdkSecrets.SecretsManagerClient(sdkConfig()).send(new sdkSecrets.PutSecretValueCommand(put)),
      () =>
        new leanSecrets.SecretsManagerClient(leanConfig()).send(new leanSecrets.PutSecretValueCommand(put)),
    );
  });
});

describe("the lean clients reach AWS's endpoints where the AWS SDK v3 resolves them", () => {
  /** The host the SDK would send `command` to in `region` (its request captured before any network). */
  async function sdkHost(
    make: (config: object) => { send(command: unknown): Promise<unknown> },
    command: unknown,
    region: string,
  ): Promise<string> {
    let host = '';
    const requestHandler = {
      handle: async (request: { hostname: string }) => {
        host = request.hostname;
        throw new Error('captured');
      },
    };
    await make({ region, credentials, maxAttempts: 1, requestHandler })
      .send(command)
      .catch(() => undefined);
    return host;
  }
  const leanHost = (client: object): string => (client as { http: { endpoint: URL } }).http.endpoint.hostname;

  for (const region of ['eu-west-1', 'us-east-1', 'cn-north-1']) {
    it(`in ${region}`, async () => {
      const leanConfigIn = { region, credentials, env: {} };
      const pairs: Array<[string, string]> = [
        [
          await sdkHost(
            (c) => new DynamoDBClient(c),
            new sdkDoc.GetCommand({ TableName: 'T', Key: { id: 'a' } }),
            region,
          ),
          leanHost(new lean.DocumentClient(leanConfigIn)),
        ],
        [
          await sdkHost(
            (c) => new sdkSfn.SFNClient(c),
            new sdkSfn.StartSyncExecutionCommand({ stateMachineArn: 'arn:aws:states:x:1:stateMachine:L' }),
            region,
          ),
          leanHost(new leanSfn.SFNClient(leanConfigIn)),
        ],
        [
          await sdkHost(
            (c) => new sdkLambda.LambdaClient(c),
            new sdkLambda.InvokeCommand({ FunctionName: 'f' }),
            region,
          ),
          leanHost(new leanLambda.LambdaClient(leanConfigIn)),
        ],
        [
          await sdkHost(
            (c) => new sdkSes.SESv2Client(c),
            new sdkSes.SendEmailCommand({ Content: { Simple: { Subject: { Data: 's' }, Body: {} } } }),
            region,
          ),
          leanHost(new leanSes.SESv2Client(leanConfigIn)),
        ],
        [
          await sdkHost(
            (c) => new sdkSns.SNSClient(c),
            new sdkSns.PublishCommand({ Message: 'm', PhoneNumber: '+1' }),
            region,
          ),
          leanHost(new leanSns.SNSClient(leanConfigIn)),
        ],
        [
          await sdkHost(
            (c) => new sdkSecrets.SecretsManagerClient(c),
            new sdkSecrets.GetSecretValueCommand({ SecretId: 'k' }),
            region,
          ),
          leanHost(new leanSecrets.SecretsManagerClient(leanConfigIn)),
        ],
      ];
      // S3: the bucket's own host (virtual-hosted), per bucket.
      const s3 = new leanS3.S3Client(leanConfigIn) as unknown as {
        target(bucket: string): { http: { endpoint: URL } };
      };
      pairs.push([
        await sdkHost(
          (c) => new sdkS3.S3Client(c),
          new sdkS3.PutObjectCommand({ Bucket: 'proofs-bucket', Key: 'k', Body: 'x' }),
          region,
        ),
        s3.target('proofs-bucket').http.endpoint.hostname,
      ]);
      for (const [sdk, ours] of pairs) expect(ours).toBe(sdk);
    });
  }
});

import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceConfig } from '../../functions/aws/client.js';
import { AwsError } from '../../functions/aws/errors.js';
import type { AwsHttpClient } from '../../functions/aws/http.js';
import { InvokeCommand, LambdaClient } from '../../functions/aws/lambda.js';
import {
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '../../functions/aws/s3.js';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '../../functions/aws/secrets-manager.js';
import { SESv2Client, SendEmailCommand } from '../../functions/aws/sesv2.js';
import { SFNClient, StartSyncExecutionCommand } from '../../functions/aws/sfn.js';
import { PublishCommand, SNSClient } from '../../functions/aws/sns.js';
import { StepFunctionsEngine } from '../../functions/engine/aws.js';
import { EngineUnavailableError } from '../../functions/engine/port.js';
import { GetParameterError, getJsonSecret, withSecrets } from '../../functions/shared/secrets.js';
import { verifySigV4 } from '../e2e/cdk-out/sigv4.js';

/** A request as the fake AWS endpoint received it. */
interface Received {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The service its SigV4 signature names, when it verifies with the test's secret. */
  signedFor: string | undefined;
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

const REGION = 'eu-west-1';
const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/**
 * A local AWS endpoint on 127.0.0.1 answering each request with the next answer (the last one repeated), and
 * recording what it got — the signature checked as AWS checks it (the cdk-out harness's verifier).
 */
async function fakeAws(...answers: Answer[]): Promise<{ config: ServiceConfig; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://x');
      const verified = await verifySigV4(
        { method: req.method ?? '', url: req.url ?? '/', headers: req.headers, body },
        (key) => (key === credentials.accessKeyId ? credentials : undefined),
      );
      received.push({
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        signedFor: verified.ok ? verified.by.service : undefined,
      });
      const answer = answers[Math.min(received.length, answers.length) - 1] ?? { status: 500 };
      res.writeHead(answer.status, { 'x-amzn-requestid': 'req-1', ...answer.headers });
      res.end(answer.body ?? '');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { config: { endpoint: `http://127.0.0.1:${port}`, region: REGION, credentials }, received };
}

/** The request was signed for `service` in the region, and the signature verifies. */
function expectSigned(request: Received | undefined, service: string): void {
  expect(String(request?.headers.authorization)).toMatch(
    new RegExp(`^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\\d{8}/${REGION}/${service}/aws4_request, `),
  );
  expect(request?.signedFor).toBe(service);
}

const thrown = async (promise: Promise<unknown>): Promise<AwsError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AwsError);
  return error as AwsError;
};

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => ({
  status,
  headers: { 'content-type': 'application/x-amz-json-1.0', ...headers },
  body: JSON.stringify(body),
});

const machine = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Proofline-Login';

describe('Step Functions StartSyncExecution', () => {
  it('sends awsJson 1.0 to the sync endpoint and reads the execution, dates as Dates', async () => {
    const { config, received } = await fakeAws(
      json(200, {
        executionArn: `${machine.replace('stateMachine', 'express')}:e1:x`,
        stateMachineArn: machine,
        name: 'e1',
        startDate: 1.700000000123e9,
        stopDate: 1.700000001e9,
        status: 'SUCCEEDED',
        input: '{"a":1}',
        output: '{"ok":true}',
        billingDetails: { billedMemoryUsedInMB: 64, billedDurationInMilliseconds: 100 },
      }),
    );

    const output = await new SFNClient(config).send(
      new StartSyncExecutionCommand({ stateMachineArn: machine, input: '{"a":1}' }),
    );

    const [request] = received;
    expect(request).toMatchObject({ method: 'POST', path: '/' });
    expect(request?.headers['x-amz-target']).toBe('AWSStepFunctions.StartSyncExecution');
    expect(request?.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(JSON.parse(request?.body.toString() ?? '')).toEqual({
      stateMachineArn: machine,
      input: '{"a":1}',
    });
    expectSigned(request, 'states');
    expect(output).toMatchObject({
      status: 'SUCCEEDED',
      output: '{"ok":true}',
      billingDetails: { billedMemoryUsedInMB: 64 },
      $metadata: { httpStatusCode: 200, requestId: 'req-1' },
    });
    expect(output.startDate).toEqual(new Date(1_700_000_000_123));
    expect(output.stopDate).toEqual(new Date(1_700_000_001_000));
  });

  it("throws the service's error by its name", async () => {
    const { config } = await fakeAws(
      json(400, {
        __type: 'com.amazonaws.swf.service.v2.model#StateMachineDoesNotExist',
        message: `State Machine Does Not Exist: '${machine}'`,
      }),
    );

    const error = await thrown(
      new SFNClient(config).send(new StartSyncExecutionCommand({ stateMachineArn: machine })),
    );

    expect(error.name).toBe('StateMachineDoesNotExist');
    expect(error.message).toMatch(/Does Not Exist/);
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.$fault).toBe('client');
  });

  it('retries a 5XX and a throttled answer (maxAttempts), then gives the success', async () => {
    const { config, received } = await fakeAws(
      json(500, { __type: 'InternalServerError', message: 'oops' }),
      json(400, { __type: 'ThrottlingException', message: 'Rate exceeded' }),
      json(200, { status: 'SUCCEEDED', output: '{}' }),
    );

    const output = await new SFNClient({ ...config, maxAttempts: 3 }).send(
      new StartSyncExecutionCommand({ stateMachineArn: machine }),
    );

    expect(output.status).toBe('SUCCEEDED');
    expect(received).toHaveLength(3);
  });

  it('never retries with maxAttempts 1: the engine reports the step unavailable after one request', async () => {
    const { config, received } = await fakeAws(json(500, { __type: 'InternalServerError', message: 'oops' }));

    const error = await thrown(
      new SFNClient({ ...config, maxAttempts: 1 }).send(
        new StartSyncExecutionCommand({ stateMachineArn: machine }),
      ),
    );
    expect(error.name).toBe('InternalServerError');
    expect(error.$metadata).toMatchObject({ httpStatusCode: 500, attempts: 1 });
    expect(received).toHaveLength(1);

    const engine = new StepFunctionsEngine({ Login: machine }, new SFNClient({ ...config, maxAttempts: 1 }));
    const failed = await engine
      .execute('Login', { journey: 'Login', realm: 'alpha', txId: 't1', state: {} })
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(EngineUnavailableError);
    expect((failed as EngineUnavailableError).mayHaveRun).toBe(true);
    expect(received).toHaveLength(2);
  });
});

/**
 * An endpoint that resets connections as AWS's look to a function thawed after a pause: `reset(n, reused)` says
 * whether the n-th request (from 1), arriving on a connection used before or not, is refused by a TCP reset before
 * anything is read. Counts what it answered.
 */
async function resettingEndpoint(
  reset: (n: number, reused: boolean) => boolean,
): Promise<{ config: ServiceConfig; answered: () => number; resets: () => number }> {
  const used = new WeakSet<object>();
  let requests = 0;
  let answered = 0;
  let resets = 0;
  const server = createServer((req, res) => {
    requests += 1;
    const reused = used.has(req.socket);
    used.add(req.socket);
    if (reset(requests, reused)) {
      resets += 1;
      req.socket.resetAndDestroy();
      return;
    }
    req.resume();
    req.on('end', () => {
      answered += 1;
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ status: 'SUCCEEDED', output: `{"n":${answered}}` }));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    config: { endpoint: `http://127.0.0.1:${port}`, region: REGION, credentials },
    answered: () => answered,
    resets: () => resets,
  };
}

describe('a kept-alive connection the server closed meanwhile', () => {
  const start = new StartSyncExecutionCommand({ stateMachineArn: machine });

  it('is resent on a new connection, even by a client that never retries: the request never reached AWS', async () => {
    // The second request finds the first one's connection reset (closed by the server while the function was
    // frozen, as it looks on thawing).
    const endpoint = await resettingEndpoint((n, reused) => n === 2 && reused);
    const client = new SFNClient({ ...endpoint.config, maxAttempts: 1 });

    expect((await client.send(start)).output).toBe('{"n":1}');
    expect((await client.send(start)).output).toBe('{"n":2}');
    expect(endpoint.resets()).toBe(1);
    expect(endpoint.answered()).toBe(2);
    client.destroy();
  });

  it('is not resent when the reset came on a new connection (it may have been read), nor without end', async () => {
    const fresh = await resettingEndpoint((_n, reused) => !reused);
    const once = new SFNClient({ ...fresh.config, maxAttempts: 1 });
    const error = await thrown(once.send(start));
    expect(error.name).toBe('NetworkingError');
    expect(fresh.resets()).toBe(1);
    expect(fresh.answered()).toBe(0);
    once.destroy();

    // Four connections left open by four requests at once, all closed by the server meanwhile: three resends,
    // each on the next of them, then the failure — not a resend per connection a client may hold.
    const stale = await resettingEndpoint((n, reused) => n > 4 && reused);
    const client = new SFNClient({ ...stale.config, maxAttempts: 1 });
    await Promise.all([1, 2, 3, 4].map(() => client.send(start)));
    expect((await thrown(client.send(start))).name).toBe('NetworkingError');
    expect(stale.resets()).toBe(4);
    expect(stale.answered()).toBe(4);
    client.destroy();
  });
});

const functionArn = 'arn:aws:lambda:eu-west-1:123456789012:function:Proofline-dev-webhooks';

describe('Lambda Invoke', () => {
  it('posts the payload to the function (its name encoded) with the invocation type', async () => {
    const { config, received } = await fakeAws({ status: 202 });

    const output = await new LambdaClient(config).send(
      new InvokeCommand({
        FunctionName: functionArn,
        InvocationType: 'Event',
        Payload: Buffer.from('{"resume":{"txId":"t"}}'),
      }),
    );

    const [request] = received;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(`/2015-03-31/functions/${encodeURIComponent(functionArn)}/invocations`);
    expect(request?.path).toContain('arn%3Aaws%3Alambda');
    expect(request?.headers['x-amz-invocation-type']).toBe('Event');
    expect(request?.headers['x-amz-log-type']).toBeUndefined();
    expect(request?.body.toString()).toBe('{"resume":{"txId":"t"}}');
    expectSigned(request, 'lambda');
    expect(output.StatusCode).toBe(202);
    expect(output.FunctionError).toBeUndefined();
  });

  it("gives a function's error as FunctionError with its payload, the log and client context as headers", async () => {
    const { config, received } = await fakeAws({
      status: 200,
      headers: {
        'x-amz-function-error': 'Unhandled',
        'x-amz-executed-version': '$LATEST',
        'x-amz-log-result': 'bG9n',
      },
      body: '{"errorType":"Error","errorMessage":"boom"}',
    });

    const output = await new LambdaClient(config).send(
      new InvokeCommand({ FunctionName: 'f', LogType: 'Tail', ClientContext: 'e30=', Qualifier: 'live' }),
    );

    expect(received[0]?.headers).toMatchObject({ 'x-amz-log-type': 'Tail', 'x-amz-client-context': 'e30=' });
    expect(received[0]?.query.get('Qualifier')).toBe('live');
    expect(output).toMatchObject({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      ExecutedVersion: '$LATEST',
      LogResult: 'bG9n',
    });
    expect(JSON.parse(Buffer.from(output.Payload ?? []).toString())).toEqual({
      errorType: 'Error',
      errorMessage: 'boom',
    });
  });

  it("throws Lambda's refusal (restJson: the error type header)", async () => {
    const { config } = await fakeAws({
      status: 404,
      headers: {
        'content-type': 'application/json',
        'x-amzn-errortype':
          'ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.lambda/',
      },
      body: JSON.stringify({ Type: 'User', Message: `Function not found: ${functionArn}` }),
    });

    const error = await thrown(
      new LambdaClient(config).send(new InvokeCommand({ FunctionName: functionArn })),
    );

    expect(error.name).toBe('ResourceNotFoundException');
    expect(error.message).toBe(`Function not found: ${functionArn}`);
    expect(error.$metadata.httpStatusCode).toBe(404);
  });
});

describe('SES v2 SendEmail', () => {
  const email = {
    FromEmailAddress: 'no-reply@proofline.example',
    Destination: { ToAddresses: ['a@example.com'] },
    Content: {
      Simple: {
        Subject: { Data: 'Your code', Charset: 'UTF-8' },
        Body: { Text: { Data: 'It is 123456', Charset: 'UTF-8' } },
      },
    },
  };

  it('posts the message as JSON and reads its id', async () => {
    const { config, received } = await fakeAws({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"MessageId":"0100018c-abc"}',
    });

    const output = await new SESv2Client(config).send(new SendEmailCommand(email));

    const [request] = received;
    expect(request).toMatchObject({ method: 'POST', path: '/v2/email/outbound-emails' });
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.body.toString() ?? '')).toEqual(email);
    expectSigned(request, 'ses');
    expect(output).toEqual({
      MessageId: '0100018c-abc',
      $metadata: { httpStatusCode: 200, requestId: 'req-1' },
    });
  });

  it("throws SES's refusal", async () => {
    const { config } = await fakeAws({
      status: 400,
      headers: {
        'content-type': 'application/json',
        'x-amzn-errortype': 'MessageRejected:http://internal.amazon.com/coral/com.amazon.coral.service/',
      },
      body: '{"message":"Email address is not verified."}',
    });

    const error = await thrown(new SESv2Client(config).send(new SendEmailCommand(email)));

    expect(error.name).toBe('MessageRejected');
    expect(error.message).toBe('Email address is not verified.');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });
});

describe('SNS Publish', () => {
  it('posts the query form as the SDK does (attributes as entry.N) and reads the message id', async () => {
    const { config, received } = await fakeAws({
      status: 200,
      headers: { 'content-type': 'text/xml' },
      body: '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId></PublishResult><ResponseMetadata><RequestId>f187a3c1-376f-11df-8963-01868b7c937a</RequestId></ResponseMetadata></PublishResponse>',
    });

    const output = await new SNSClient(config).send(
      new PublishCommand({
        PhoneNumber: '+447700900123',
        Message: 'Your code: 123 456 & more',
        MessageAttributes: { 'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' } },
      }),
    );

    const [request] = received;
    expect(request).toMatchObject({ method: 'POST', path: '/' });
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.body.toString()).toBe(
      'Action=Publish&Version=2010-03-31&PhoneNumber=%2B447700900123&Message=Your%20code%3A%20123%20456%20%26%20more' +
        '&MessageAttributes.entry.1.Name=AWS.SNS.SMS.SMSType&MessageAttributes.entry.1.Value.DataType=String' +
        '&MessageAttributes.entry.1.Value.StringValue=Transactional',
    );
    expect(Object.fromEntries(new URLSearchParams(request?.body.toString()))).toMatchObject({
      Message: 'Your code: 123 456 & more',
      PhoneNumber: '+447700900123',
    });
    expectSigned(request, 'sns');
    expect(output).toEqual({
      MessageId: '94f20ce6-13c5-43a0-9a9e-ca52d816e90b',
      $metadata: { httpStatusCode: 200, requestId: 'f187a3c1-376f-11df-8963-01868b7c937a' },
    });
  });

  it("throws SNS's error (query protocol XML) by the SDK's name for it", async () => {
    const { config } = await fakeAws({
      status: 400,
      headers: { 'content-type': 'text/xml' },
      body: '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>InvalidParameter</Code><Message>Invalid parameter: PhoneNumber Reason: +1 is not valid to publish to</Message></Error><RequestId>9d8e7f</RequestId></ErrorResponse>',
    });

    const error = await thrown(
      new SNSClient(config).send(new PublishCommand({ PhoneNumber: '+1', Message: 'x' })),
    );

    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toMatch(/^Invalid parameter: PhoneNumber/);
    expect(error.$metadata).toMatchObject({ httpStatusCode: 400, requestId: '9d8e7f' });
  });
});

describe('S3', () => {
  const kmsKey = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

  it('puts an object path-style on an explicit endpoint, its key encoded per segment, with its headers', async () => {
    const { config, received } = await fakeAws({
      status: 200,
      headers: {
        etag: '"9bb58f26192e4ba00f01e2e7b136bbd8"',
        'x-amz-server-side-encryption': 'aws:kms',
        'x-amz-server-side-encryption-aws-kms-key-id': kmsKey,
      },
    });

    const output = await new S3Client(config).send(
      new PutObjectCommand({
        Bucket: 'proofs-bucket',
        Key: 'proofs/user 1/s+(1).tar.gz',
        Body: new Uint8Array([1, 2, 3]),
        ContentType: 'application/gzip',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: kmsKey,
      }),
    );

    const [request] = received;
    expect(request?.method).toBe('PUT');
    expect(request?.path).toBe('/proofs-bucket/proofs/user%201/s%2B%281%29.tar.gz');
    expect(request?.headers).toMatchObject({
      'content-type': 'application/gzip',
      'x-amz-server-side-encryption': 'aws:kms',
      'x-amz-server-side-encryption-aws-kms-key-id': kmsKey,
      'x-amz-content-sha256': createHash('sha256')
        .update(Buffer.from([1, 2, 3]))
        .digest('hex'),
    });
    expect([...(request?.body ?? [])]).toEqual([1, 2, 3]);
    expectSigned(request, 's3');
    expect(output).toEqual({
      ETag: '"9bb58f26192e4ba00f01e2e7b136bbd8"',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: kmsKey,
      $metadata: { httpStatusCode: 200, requestId: 'req-1' },
    });
  });

  it("throws S3's error (restXml)", async () => {
    const { config } = await fakeAws({
      status: 403,
      headers: { 'content-type': 'application/xml' },
      body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>4442587FB7D0A2F9</RequestId><HostId>host</HostId></Error>',
    });

    const error = await thrown(
      new S3Client(config).send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x' })),
    );

    expect(error.name).toBe('AccessDenied');
    expect(error.message).toBe('Access Denied');
    expect(error.$metadata).toMatchObject({ httpStatusCode: 403, requestId: '4442587FB7D0A2F9' });
  });

  it('lists objects (v2) and reads the page: keys, truncation and the next token', async () => {
    const { config, received } = await fakeAws({
      status: 200,
      headers: { 'content-type': 'application/xml' },
      body: `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>proofs-bucket</Name><Prefix>proofs/u1/</Prefix><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><ContinuationToken>abc</ContinuationToken><IsTruncated>true</IsTruncated><Contents><Key>proofs/u1/a&amp;b.tar.gz</Key><LastModified>2024-01-02T03:04:05.000Z</LastModified><ETag>&quot;etag1&quot;</ETag><Size>120</Size><StorageClass>STANDARD</StorageClass></Contents><Contents><Key>proofs/u1/c.tar.gz</Key><LastModified>2024-01-03T03:04:05.000Z</LastModified><ETag>&quot;etag2&quot;</ETag><Size>7</Size><StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>`,
    });

    const page = await new S3Client(config).send(
      new ListObjectsV2Command({
        Bucket: 'proofs-bucket',
        Prefix: 'proofs/u1/',
        MaxKeys: 2,
        ContinuationToken: 'abc',
      }),
    );

    const [request] = received;
    expect(request?.method).toBe('GET');
    expect(request?.path).toBe('/proofs-bucket/');
    expect(Object.fromEntries(request?.query ?? [])).toEqual({
      'list-type': '2',
      prefix: 'proofs/u1/',
      'max-keys': '2',
      'continuation-token': 'abc',
    });
    expectSigned(request, 's3');
    expect(page).toMatchObject({
      Name: 'proofs-bucket',
      Prefix: 'proofs/u1/',
      KeyCount: 2,
      MaxKeys: 2,
      IsTruncated: true,
      ContinuationToken: 'abc',
      NextContinuationToken: '1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=',
    });
    expect(page.Contents).toEqual([
      {
        Key: 'proofs/u1/a&b.tar.gz',
        LastModified: new Date('2024-01-02T03:04:05.000Z'),
        ETag: '"etag1"',
        Size: 120,
        StorageClass: 'STANDARD',
      },
      {
        Key: 'proofs/u1/c.tar.gz',
        LastModified: new Date('2024-01-03T03:04:05.000Z'),
        ETag: '"etag2"',
        Size: 7,
        StorageClass: 'STANDARD',
      },
    ]);
  });

  it('reads an empty page', async () => {
    const { config } = await fakeAws({
      status: 200,
      body: '<ListBucketResult><Name>b</Name><Prefix>p</Prefix><KeyCount>0</KeyCount><MaxKeys>1</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>',
    });

    const page = await new S3Client(config).send(
      new ListObjectsV2Command({ Bucket: 'b', Prefix: 'p', MaxKeys: 1 }),
    );

    expect(page).toMatchObject({ KeyCount: 0, IsTruncated: false });
    expect(page.Contents).toBeUndefined();
  });

  it('deletes objects with the XML body and its Content-MD5, and reads the per-key errors', async () => {
    const { config, received } = await fakeAws({
      status: 200,
      headers: { 'content-type': 'application/xml' },
      body: '<?xml version="1.0" encoding="UTF-8"?><DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Deleted><Key>a&lt;1</Key></Deleted><Error><Key>b</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error></DeleteResult>',
    });

    const output = await new S3Client(config).send(
      new DeleteObjectsCommand({
        Bucket: 'proofs-bucket',
        Delete: { Objects: [{ Key: 'a<1' }, { Key: 'b' }], Quiet: true },
      }),
    );

    const [request] = received;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/proofs-bucket/');
    expect([...(request?.query ?? [])]).toEqual([['delete', '']]);
    const body = request?.body.toString() ?? '';
    expect(body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        '<Object><Key>a&lt;1</Key></Object><Object><Key>b</Key></Object><Quiet>true</Quiet></Delete>',
    );
    expect(request?.headers['content-md5']).toBe(createHash('md5').update(body).digest('base64'));
    expect(request?.headers['content-type']).toBe('application/xml');
    expectSigned(request, 's3');
    expect(output.Deleted).toEqual([{ Key: 'a<1' }]);
    expect(output.Errors).toEqual([{ Key: 'b', Code: 'AccessDenied', Message: 'Access Denied' }]);
  });

  it('reaches a bucket virtual-hosted on AWS, path-style when its name is no DNS label or the endpoint is set', () => {
    const targetOf = (client: S3Client, bucket: string) => {
      const { http, prefix } = (
        client as unknown as { target(b: string): { http: AwsHttpClient; prefix: string } }
      ).target(bucket);
      return `${http.endpoint.origin}${prefix}`;
    };
    const aws = new S3Client({ region: REGION, credentials, env: {} });
    expect(targetOf(aws, 'proofs-bucket')).toBe('https://proofs-bucket.s3.eu-west-1.amazonaws.com');
    expect(targetOf(aws, 'my.dotted.bucket')).toBe('https://s3.eu-west-1.amazonaws.com/my.dotted.bucket');
    const local = new S3Client({
      region: REGION,
      credentials,
      env: { AWS_ENDPOINT_URL_S3: 'http://localhost:4566' },
    });
    expect(targetOf(local, 'proofs-bucket')).toBe('http://localhost:4566/proofs-bucket');
  });
});

describe('Secrets Manager', () => {
  const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:Proofline-oidc-keys-AbCdEf';

  it('gets a secret value (awsJson 1.1), the creation date as a Date', async () => {
    const { config, received } = await fakeAws({
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify({
        ARN: secretArn,
        Name: 'Proofline-oidc-keys',
        VersionId: 'EXAMPLE1-90ab-cdef-fedc-ba987SECRET1',
        SecretString: '{"k":"v"}',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 1.523477145713e9,
      }),
    });

    const output = await new SecretsManagerClient(config).send(
      new GetSecretValueCommand({ SecretId: secretArn }),
    );

    const [request] = received;
    expect(request).toMatchObject({ method: 'POST', path: '/' });
    expect(request?.headers['x-amz-target']).toBe('secretsmanager.GetSecretValue');
    expect(request?.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(JSON.parse(request?.body.toString() ?? '')).toEqual({ SecretId: secretArn });
    expectSigned(request, 'secretsmanager');
    expect(output).toMatchObject({
      ARN: secretArn,
      SecretString: '{"k":"v"}',
      VersionStages: ['AWSCURRENT'],
    });
    expect(output.CreatedDate).toEqual(new Date(1_523_477_145_713));
  });

  it('puts a secret value with its idempotency token (one made when none is given)', async () => {
    const { config, received } = await fakeAws(
      json(200, { ARN: secretArn, Name: 'n', VersionId: 'v1', VersionStages: ['AWSCURRENT'] }),
      json(400, {
        __type: 'ResourceExistsException',
        Message: 'You cannot modify an existing version. You can only create new versions.',
      }),
    );
    const client = new SecretsManagerClient(config);

    const output = await client.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: 's' }));
    const error = await thrown(
      client.send(
        new PutSecretValueCommand({ SecretId: secretArn, SecretString: 't', ClientRequestToken: 'tok-1' }),
      ),
    );

    expect(received[0]?.headers['x-amz-target']).toBe('secretsmanager.PutSecretValue');
    const first = JSON.parse(received[0]?.body.toString() ?? '') as Record<string, string>;
    expect(first).toMatchObject({ SecretId: secretArn, SecretString: 's' });
    expect(first.ClientRequestToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(received[1]?.body.toString() ?? '')).toEqual({
      SecretId: secretArn,
      SecretString: 't',
      ClientRequestToken: 'tok-1',
    });
    expectSigned(received[1], 'secretsmanager');
    expect(output).toMatchObject({ ARN: secretArn, VersionId: 'v1' });
    expect(error.name).toBe('ResourceExistsException');
    expect(error.message).toMatch(/cannot modify an existing version/);
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('vendor secrets: read once per ARN for 5 minutes and laid over the environment', async () => {
    const arn = `${secretArn}-vendor-cache`;
    const { config, received } = await fakeAws(
      json(200, { ARN: arn, SecretString: '{"IDEMIA_CLIENT_SECRET":"s3cret"}' }),
    );
    const client = new SecretsManagerClient(config);
    let now = 1_000_000;

    expect(await getJsonSecret(arn, client, () => now)).toEqual({ IDEMIA_CLIENT_SECRET: 's3cret' });
    now += 299_000;
    expect(await getJsonSecret(arn, client, () => now)).toEqual({ IDEMIA_CLIENT_SECRET: 's3cret' });
    expect(received).toHaveLength(1);
    now += 2_000;
    await getJsonSecret(arn, client, () => now);
    expect(received).toHaveLength(2);

    const env = await withSecrets({ IDEMIA_SECRET_ARN: arn, OTHER: 'x' }, 'IDEMIA_SECRET_ARN', client);
    expect(env).toEqual({ IDEMIA_SECRET_ARN: arn, OTHER: 'x', IDEMIA_CLIENT_SECRET: 's3cret' });
  });

  it("vendor secrets: Powertools' errors, the service's error as the cause", async () => {
    const { config } = await fakeAws(
      json(400, {
        __type: 'ResourceNotFoundException',
        Message: "Secrets Manager can't find the specified secret.",
      }),
      json(200, { ARN: 'x', SecretString: 'not json' }),
    );
    const client = new SecretsManagerClient(config);

    const missing = await getJsonSecret(`${secretArn}-missing`, client).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(GetParameterError);
    expect((missing as Error).message).toBe("Secrets Manager can't find the specified secret.");
    expect(((missing as Error).cause as AwsError).name).toBe('ResourceNotFoundException');

    const garbled = await getJsonSecret(`${secretArn}-garbled`, client).catch((e: unknown) => e);
    expect((garbled as Error).name).toBe('TransformParameterError');
    expect((garbled as Error).message).toMatch(/^Unable to transform value using 'json' transform: /);
    await expect(withSecrets({ V: `${secretArn}-garbled` }, 'V', client)).rejects.toThrow(/transform/);
  });
});

describe('endpoints and credentials', () => {
  const endpointOf = (client: object): string =>
    (client as { http: AwsHttpClient }).http.endpoint.href.replace(/\/$/, '');
  const aws = { region: REGION, credentials, env: {} };

  it("are AWS's by default, each service at its host", () => {
    expect(endpointOf(new SFNClient(aws))).toBe('https://sync-states.eu-west-1.amazonaws.com');
    expect(endpointOf(new LambdaClient(aws))).toBe('https://lambda.eu-west-1.amazonaws.com');
    expect(endpointOf(new SESv2Client(aws))).toBe('https://email.eu-west-1.amazonaws.com');
    expect(endpointOf(new SNSClient(aws))).toBe('https://sns.eu-west-1.amazonaws.com');
    expect(endpointOf(new S3Client(aws))).toBe('https://s3.eu-west-1.amazonaws.com');
    expect(endpointOf(new SecretsManagerClient(aws))).toBe('https://secretsmanager.eu-west-1.amazonaws.com');
    expect(endpointOf(new SNSClient({ ...aws, region: 'cn-north-1' }))).toBe(
      'https://sns.cn-north-1.amazonaws.com.cn',
    );
  });

  it("follow AWS_ENDPOINT_URL_<ID>, then AWS_ENDPOINT_URL (the SDK's service ids)", () => {
    const env = {
      AWS_ENDPOINT_URL: 'http://all.local:1',
      AWS_ENDPOINT_URL_SFN: 'http://sfn.local:2',
      AWS_ENDPOINT_URL_LAMBDA: 'http://lambda.local:3',
      AWS_ENDPOINT_URL_SESV2: 'http://ses.local:4',
      AWS_ENDPOINT_URL_SNS: 'http://sns.local:5',
      AWS_ENDPOINT_URL_S3: 'http://s3.local:6',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://secrets.local:7',
    };
    expect(endpointOf(new SFNClient({ ...aws, env }))).toBe('http://sfn.local:2');
    expect(endpointOf(new LambdaClient({ ...aws, env }))).toBe('http://lambda.local:3');
    expect(endpointOf(new SESv2Client({ ...aws, env }))).toBe('http://ses.local:4');
    expect(endpointOf(new SNSClient({ ...aws, env }))).toBe('http://sns.local:5');
    expect(endpointOf(new S3Client({ ...aws, env }))).toBe('http://s3.local:6');
    expect(endpointOf(new SecretsManagerClient({ ...aws, env }))).toBe('http://secrets.local:7');
    expect(endpointOf(new SNSClient({ ...aws, env: { AWS_ENDPOINT_URL: 'http://all.local:1' } }))).toBe(
      'http://all.local:1',
    );
  });

  it('are needed to send, not to make a client (as with the SDK)', async () => {
    const client = new SNSClient({ region: REGION, env: {} });
    const error = await client
      .send(new PublishCommand({ PhoneNumber: '+1', Message: 'x' }))
      .catch((e: Error) => e);
    expect((error as Error).message).toMatch(/No AWS credentials for sns/);
    // A configuration error, at once: not taken for a network failure (an AwsError), not retried.
    expect(error).not.toBeInstanceOf(AwsError);
  });
});

import { createHash, randomUUID } from 'node:crypto';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import type { Meter } from './meter.js';
import { type Credentials, verifySigV4 } from './sigv4.js';

/** DynamoDB operations that take ReturnConsumedCapacity. */
const CAPACITY_OPERATIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
]);

/** Who is calling: a function's execution role session (its own access key). */
export interface Caller {
  /** The function (or state machine) logical id. */
  logicalId: string;
  roleArn: string;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>`, as AWS names it in AccessDenied messages. */
  sessionArn: string;
  credentials: Credentials;
}

/** One authorization question: may `caller` do `action` on `resource`? */
export interface AccessRequest {
  caller: Caller;
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
  /** The resource's own policy, when the service has one (bucket policy, key policy, Lambda permissions). */
  resourcePolicy?: unknown;
  /** Why a service asks on the caller's behalf (e.g. `kms:GenerateDataKey via s3`). */
  via?: string;
}

export interface Authorizer {
  /** undefined: allowed; otherwise the AccessDenied message. */
  authorize(request: AccessRequest): Promise<string | undefined>;
}

/** What the local services do; the server only speaks the wire protocols. */
export interface AwsBackends {
  region: string;
  accountId: string;
  dynamodbEndpoint: string;
  startSyncExecution(
    caller: Caller,
    input: { stateMachineArn: string; input?: string; name?: string },
  ): Promise<unknown>;
  invokeFunction(
    caller: Caller,
    functionName: string,
    invocationType: string,
    payload: Buffer,
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer | string } | { notFound: true }>;
  getSecretValue(caller: Caller, secretId: string): Promise<Record<string, unknown> | { notFound: true }>;
  /** A new AWSCURRENT version; the same ClientRequestToken with another value is refused, as AWS does. */
  putSecretValue(
    caller: Caller,
    secretId: string,
    value: string,
    token: string | undefined,
  ): Promise<{ arn: string; versionId: string } | { notFound: true } | { exists: true }>;
  putObject(
    caller: Caller,
    bucket: string,
    key: string,
    headers: Record<string, string>,
    body: Buffer,
  ): Promise<
    { headers: Record<string, string> } | { error: { status: number; code: string; message: string } }
  >;
  sendEmail(caller: Caller, request: Record<string, unknown>): Promise<string>;
  publish(caller: Caller, request: Record<string, string>): Promise<string>;
  /** DynamoDB: the tables (names or ARNs) an operation touches, with the IAM action on each. */
  dynamodbResources(
    operation: string,
    body: Record<string, unknown>,
  ): Array<{ action: string; resource: string }>;
}

export class AwsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const readAll = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

const xmlEscape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

type Protocol = 'json1.0' | 'json1.1' | 'rest-json' | 'rest-xml' | 'query';

/** Decodes an `aws-chunked` body (S3 streaming uploads), dropping chunk signatures and trailers. */
function decodeAwsChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', offset);
    if (lineEnd < 0) break;
    const size = Number.parseInt(body.subarray(offset, lineEnd).toString().split(';')[0] ?? '0', 16);
    if (!size) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/**
 * One local "AWS" endpoint for every service the bundles call (reached through `AWS_ENDPOINT_URL_<SERVICE>`,
 * host `aws.localhost`): SigV4 checked and the caller identified by its access key, each call authorized by the
 * Authorizer (IAM), errors in each protocol's shape.
 */
export class AwsServer {
  private server: Server | undefined;
  url = '';
  /** Every request, for the report: service, operation, caller, status. */
  readonly calls: Array<{ service: string; operation: string; caller: string; status: number }> = [];

  constructor(
    private readonly backends: AwsBackends,
    private readonly callers: ReadonlyMap<string, Caller>,
    private readonly authorizer: Authorizer,
    private readonly meter?: Meter,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const handled = this.meter ? this.meter.track(() => this.handle(req, res)) : this.handle(req, res);
      handled.catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: String(error) }));
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://aws.localhost:${port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readAll(req);
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const verified = await verifySigV4(
      { method, url, headers: req.headers, body: raw },
      (key) => this.callers.get(key)?.credentials,
    );
    const target = String(req.headers['x-amz-target'] ?? '');
    const contentType = String(req.headers['content-type'] ?? '');
    const scopeService =
      /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
    const protocol: Protocol =
      scopeService === 's3'
        ? 'rest-xml'
        : contentType.startsWith('application/x-amz-json-1.0')
          ? 'json1.0'
          : contentType.startsWith('application/x-amz-json-1.1')
            ? 'json1.1'
            : contentType.startsWith('application/x-www-form-urlencoded')
              ? 'query'
              : 'rest-json';
    const operation = target.split('.').pop() || `${method} ${url.split('?')[0]}`;
    const send = (status: number, headers: Record<string, string>, body: Buffer | string): void => {
      this.calls.push({ service: scopeService, operation, caller: caller?.logicalId ?? '-', status });
      this.meter?.awsRequest(scopeService, operation, status);
      res.writeHead(status, { 'x-amzn-requestid': randomUUID(), ...headers });
      res.end(body);
    };
    const fail = (error: AwsError): void => {
      if (protocol === 'rest-xml') {
        send(
          error.status,
          { 'content-type': 'application/xml' },
          `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.code}</Code><Message>${xmlEscape(error.message)}</Message><RequestId>${randomUUID()}</RequestId></Error>`,
        );
      } else if (protocol === 'query') {
        send(
          error.status,
          { 'content-type': 'text/xml' },
          `<ErrorResponse><Error><Type>Sender</Type><Code>${error.code}</Code><Message>${xmlEscape(error.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
        );
      } else {
        const prefix = protocol === 'rest-json' ? '' : 'com.amazonaws.local#';
        send(
          error.status,
          { 'content-type': 'application/json', 'x-amzn-errortype': error.code },
          JSON.stringify({
            __type: `${prefix}${error.code}`,
            message: error.message,
            Message: error.message,
          }),
        );
      }
    };
    let caller: Caller | undefined;
    if (!verified.ok) return fail(new AwsError(403, verified.code, verified.message));
    caller = this.callers.get(verified.by.accessKeyId);
    if (!caller) return fail(new AwsError(403, 'UnrecognizedClientException', 'Unknown access key'));
    const authorize = async (
      action: string,
      resource: string,
      extra: Partial<AccessRequest> = {},
    ): Promise<void> => {
      const denied = await this.authorizer.authorize({
        caller: caller as Caller,
        action,
        resource,
        ...extra,
      });
      if (denied)
        throw new AwsError(
          protocol === 'json1.0' || protocol === 'json1.1' ? 400 : 403,
          protocol === 'rest-xml'
            ? 'AccessDenied'
            : protocol === 'query'
              ? 'AuthorizationError'
              : 'AccessDeniedException',
          denied,
        );
    };
    try {
      switch (verified.by.service) {
        case 'dynamodb':
          return await this.dynamodb(req, raw, target, caller, authorize, send);
        case 'states': {
          if (operation !== 'StartSyncExecution')
            throw new AwsError(400, 'UnknownOperationException', `${operation} is not implemented locally`);
          const input = JSON.parse(raw.toString() || '{}') as {
            stateMachineArn: string;
            input?: string;
            name?: string;
          };
          await authorize('states:StartSyncExecution', input.stateMachineArn);
          const result = await this.backends.startSyncExecution(caller, input);
          return send(200, { 'content-type': 'application/x-amz-json-1.0' }, JSON.stringify(result));
        }
        case 'lambda': {
          const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(url);
          if (!match || method !== 'POST')
            throw new AwsError(
              400,
              'InvalidRequestContentException',
              `${method} ${url} is not implemented locally`,
            );
          const functionName = decodeURIComponent(match[1] ?? '');
          const result = await this.backends.invokeFunction(
            caller,
            functionName,
            String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse'),
            raw,
          );
          if ('notFound' in result)
            throw new AwsError(404, 'ResourceNotFoundException', `Function not found: ${functionName}`);
          return send(result.status, result.headers, result.body);
        }
        case 'secretsmanager': {
          if (operation === 'PutSecretValue') {
            const { SecretId, SecretString, ClientRequestToken } = JSON.parse(raw.toString() || '{}') as {
              SecretId: string;
              SecretString?: string;
              ClientRequestToken?: string;
            };
            const found = await this.backends.getSecretValue(caller, SecretId);
            if ('notFound' in found)
              throw new AwsError(
                400,
                'ResourceNotFoundException',
                "Secrets Manager can't find the specified secret.",
              );
            await authorize('secretsmanager:PutSecretValue', String(found.ARN));
            const put = await this.backends.putSecretValue(
              caller,
              SecretId,
              SecretString ?? '',
              ClientRequestToken,
            );
            if ('notFound' in put)
              throw new AwsError(
                400,
                'ResourceNotFoundException',
                "Secrets Manager can't find the specified secret.",
              );
            if ('exists' in put)
              throw new AwsError(
                400,
                'ResourceExistsException',
                'A version with this ClientRequestToken already exists with a different value.',
              );
            return send(
              200,
              { 'content-type': 'application/x-amz-json-1.1' },
              JSON.stringify({ ARN: put.arn, VersionId: put.versionId, VersionStages: ['AWSCURRENT'] }),
            );
          }
          if (operation !== 'GetSecretValue')
            throw new AwsError(400, 'InvalidRequestException', `${operation} is not implemented locally`);
          const { SecretId } = JSON.parse(raw.toString() || '{}') as { SecretId: string };
          const secret = await this.backends.getSecretValue(caller, SecretId);
          if ('notFound' in secret)
            throw new AwsError(
              400,
              'ResourceNotFoundException',
              "Secrets Manager can't find the specified secret.",
            );
          await authorize('secretsmanager:GetSecretValue', String(secret.ARN));
          return send(200, { 'content-type': 'application/x-amz-json-1.1' }, JSON.stringify(secret));
        }
        case 's3': {
          if (method !== 'PUT')
            throw new AwsError(501, 'NotImplemented', `${method} is not implemented locally`);
          const host = String(req.headers.host ?? '').split(':')[0] ?? '';
          const path = new URL(url, 'http://x').pathname;
          let bucket: string;
          let key: string;
          const virtual = host.endsWith('.aws.localhost') ? host.slice(0, -'.aws.localhost'.length) : '';
          if (virtual) {
            bucket = virtual;
            key = decodeURIComponent(path.slice(1));
          } else {
            const [, b = '', ...rest] = path.split('/');
            bucket = b;
            key = decodeURIComponent(rest.join('/'));
          }
          const headers = Object.fromEntries(
            Object.entries(req.headers).map(([k, v]) => [
              k,
              Array.isArray(v) ? v.join(',') : String(v ?? ''),
            ]),
          );
          const chunked =
            (headers['content-encoding'] ?? '').includes('aws-chunked') ||
            (headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
          const body = chunked ? decodeAwsChunked(raw) : raw;
          const result = await this.backends.putObject(caller, bucket, key, headers, body);
          if ('error' in result)
            throw new AwsError(result.error.status, result.error.code, result.error.message);
          return send(
            200,
            { ...result.headers, etag: `"${createHash('md5').update(body).digest('hex')}"` },
            '',
          );
        }
        case 'ses': {
          if (!url.startsWith('/v2/email/outbound-emails'))
            throw new AwsError(404, 'NotFoundException', `${url} is not implemented locally`);
          const request = JSON.parse(raw.toString() || '{}') as Record<string, unknown>;
          const from = String(request.FromEmailAddress ?? '');
          await authorize(
            'ses:SendEmail',
            `arn:aws:ses:${this.backends.region}:${this.backends.accountId}:identity/${from}`,
          );
          const messageId = await this.backends.sendEmail(caller, request);
          return send(200, { 'content-type': 'application/json' }, JSON.stringify({ MessageId: messageId }));
        }
        case 'sns': {
          const form = Object.fromEntries(new URLSearchParams(raw.toString()));
          if (form.Action !== 'Publish')
            throw new AwsError(400, 'InvalidAction', `${form.Action} is not implemented locally`);
          // A phone number has no ARN: AWS evaluates sns:Publish against "*" then.
          await authorize('sns:Publish', form.TopicArn ?? form.TargetArn ?? '*');
          const messageId = await this.backends.publish(caller, form);
          return send(
            200,
            { 'content-type': 'text/xml' },
            `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
          );
        }
        default:
          throw new AwsError(
            400,
            'UnknownService',
            `Service ${verified.by.service} is not emulated by the cdk-out target`,
          );
      }
    } catch (error) {
      if (error instanceof AwsError) return fail(error);
      // A backend's modelled error (e.g. StateMachineDoesNotExist) is the caller's fault: 400 with its code.
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string') return fail(new AwsError(400, code, (error as Error).message));
      throw error;
    }
  }

  /** DynamoDB: authorized per table (and index) and action, then proxied to DynamoDB Local. */
  private async dynamodb(
    req: IncomingMessage,
    request: Buffer,
    target: string,
    _caller: Caller,
    authorize: (action: string, resource: string) => Promise<void>,
    send: (status: number, headers: Record<string, string>, body: Buffer | string) => void,
  ): Promise<void> {
    const operation = target.split('.').pop() ?? '';
    let raw = request;
    const body = JSON.parse(raw.toString() || '{}') as Record<string, unknown>;
    const resources = this.backends.dynamodbResources(operation, body);
    for (const { action, resource } of resources) {
      await authorize(action, resource);
    }
    const meter = this.meter;
    // Metering: DynamoDB Local reports the capacity units it consumed when asked; the caller's response is
    // given back as it asked for it (the field removed, the checksum recomputed).
    const inject =
      meter !== undefined &&
      CAPACITY_OPERATIONS.has(operation) &&
      (body.ReturnConsumedCapacity === undefined || body.ReturnConsumedCapacity === 'NONE');
    if (meter) {
      for (const table of new Set(resources.map((r) => r.resource.split(':table/')[1]?.split('/')[0] ?? '?')))
        meter.dynamodbRequest(table);
    }
    if (inject) raw = Buffer.from(JSON.stringify({ ...body, ReturnConsumedCapacity: 'TOTAL' }));
    const metered = (status: number, data: Buffer): Buffer => {
      if (!meter) return data;
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(data.toString() || '{}') as Record<string, unknown>;
      } catch {
        return data;
      }
      if (status === 200) {
        meter.consumed(parsed.ConsumedCapacity, operation);
        if (!inject || !('ConsumedCapacity' in parsed)) return data;
        delete parsed.ConsumedCapacity;
        return Buffer.from(JSON.stringify(parsed));
      }
      const type = String(parsed.__type ?? '');
      const failed: Array<{ table: string; item: Record<string, unknown> }> = [];
      if (type.endsWith('ConditionalCheckFailedException')) {
        failed.push({
          table: String(body.TableName),
          item: (body.Item ?? body.Key ?? {}) as Record<string, unknown>,
        });
      } else if (type.endsWith('TransactionCanceledException')) {
        const items = (body.TransactItems as Array<Record<string, Record<string, unknown>>>) ?? [];
        const reasons = (parsed.CancellationReasons as Array<{ Code?: string }>) ?? [];
        reasons.forEach((reason, i) => {
          const spec = Object.values(items[i] ?? {})[0];
          if (reason.Code === 'ConditionalCheckFailed' && spec)
            failed.push({
              table: String(spec.TableName),
              item: (spec.Item ?? spec.Key ?? {}) as Record<string, unknown>,
            });
        });
      }
      if (failed.length > 0) void meter.track(() => meter.failedWrites(failed)).catch(() => undefined);
      return data;
    };
    const upstream = new URL(this.backends.dynamodbEndpoint);
    await new Promise<void>((resolve, reject) => {
      const forward = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: 'POST',
          path: '/',
          headers: {
            'content-type': String(req.headers['content-type'] ?? 'application/x-amz-json-1.0'),
            'x-amz-target': target,
            'x-amz-date': String(req.headers['x-amz-date'] ?? ''),
            authorization: String(req.headers.authorization ?? ''),
            'content-length': raw.length,
          },
        },
        (response) => {
          readAll(response).then((original) => {
            const headers: Record<string, string> = {
              'content-type': String(response.headers['content-type'] ?? 'application/x-amz-json-1.0'),
            };
            const data = metered(response.statusCode ?? 500, original);
            if (response.headers['x-amz-crc32'])
              headers['x-amz-crc32'] =
                data === original ? String(response.headers['x-amz-crc32']) : String(crc32(data) >>> 0);
            send(response.statusCode ?? 500, headers, data);
            resolve();
          }, reject);
        },
      );
      forward.on('error', reject);
      forward.end(raw);
    });
  }
}

import { createHash, createHmac } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignatureV4 } from '@smithy/signature-v4';
import { logger } from '../shared/logger.js';
import { AwsError, type AwsHttpResponse, isRetryable, networkError } from './errors.js';

/**
 * The transport of Proofline's AWS clients (ADR 25): endpoint resolution as the SDK does it, SigV4 by the SDK's
 * own signer (`@smithy/signature-v4`), keep-alive connections (a request refused by one the server closed
 * meanwhile is resent), a timeout, and the SDK's standard retry policy (exponential backoff with full jitter for
 * throttling, 5XX and network errors). Each service module (`dynamodb.ts`, `sfn.ts`, `s3.ts`…) speaks its wire
 * protocol on top of it.
 */

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface AwsClientConfig {
  /** The SigV4 signing name (`dynamodb`, `states`, `lambda`, `ses`, `sns`, `s3`, `secretsmanager`). */
  readonly signingName: string;
  /** The SDK's service id in `AWS_ENDPOINT_URL_<ID>` (`DYNAMODB`, `SFN`, `SESV2`, `SECRETS_MANAGER`…). */
  readonly endpointId: string;
  /** The default host's first label(s), before `.{region}.amazonaws.com` (`dynamodb`, `sync-states`, `email`). */
  readonly hostPrefix: string;
  /** Attempts in all, the first included (the SDK's default: 3). 1 = never retried. */
  readonly maxAttempts?: number;
  /** An explicit endpoint (DynamoDB Local); else `AWS_ENDPOINT_URL_<ID>`, `AWS_ENDPOINT_URL`, then AWS's. */
  readonly endpoint?: string;
  readonly region?: string;
  /**
   * Credentials, or a provider of them (a CLI's profile chain); default: the environment's, read at each request
   * (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`: where Lambda puts the execution role's).
   */
  readonly credentials?: Credentials | (() => Promise<Credentials>);
  /** Milliseconds without an answer before the attempt fails as a network error (default 30 s). */
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

export interface AwsHttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The path, already percent-encoded where needed (S3 keys). */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
}

export type { AwsHttpResponse };

/** How a protocol reads an error answer (status ≥ 300) into an AwsError. */
export type ErrorReader = (response: AwsHttpResponse) => AwsError;

/** The SHA-256 (and HMAC-SHA-256) the signer needs, from node:crypto. */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

const BASE_DELAY_MS = 100;
const THROTTLING_BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 20_000;
/** The SDK's standard retry quota: 500 tokens; a retry costs 5 (10 after a timeout); a success gives 1 back. */
const RETRY_TOKENS = 500;
const RETRY_COST = 5;
const TIMEOUT_RETRY_COST = 10;
/**
 * Resends of a request refused by a kept-alive connection the server had already closed (see `StaleSocketError`),
 * beyond its attempts: each one retires that connection, so a few clear the stale ones a long pause leaves.
 */
const MAX_STALE_RESENDS = 3;

/**
 * A request that failed on a reused kept-alive connection before any byte of an answer: the server had closed
 * the idle connection (Lambda freezes a function between invocations; AWS closes idle connections meanwhile),
 * so the request did not reach the service. Node's documented case for a retry (`request.reusedSocket`); ADR 25
 * says what remains.
 */
class StaleSocketError extends Error {
  constructor(cause: Error) {
    super(cause.message, { cause });
    this.name = 'StaleSocketError';
  }
}

/** The region's DNS suffix (China's partition apart). */
const dnsSuffix = (region: string): string =>
  region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';

/** Where a service is reached, as the SDK resolves it. */
export function resolveEndpoint(config: AwsClientConfig, region: string): URL {
  const env = config.env ?? process.env;
  const explicit =
    config.endpoint ?? env[`AWS_ENDPOINT_URL_${config.endpointId}`] ?? env.AWS_ENDPOINT_URL ?? undefined;
  if (explicit) {
    try {
      return new URL(explicit);
    } catch {
      throw new Error(`The ${config.endpointId} endpoint is not a URL: ${explicit}`);
    }
  }
  return new URL(`https://${config.hostPrefix}.${region}.${dnsSuffix(region)}`);
}

let processCredentials: (() => Promise<Credentials>) | undefined;
let processRegion: string | undefined;

/**
 * The credentials (and region) of every client made without any, in this process: for command-line tools, which
 * take the operator's profile chain (the SDK's `defaultProvider()`) and the profile's region, where a function has
 * its role's credentials and its region in the environment.
 */
export function useProcessCredentials(provider: () => Promise<Credentials>, region?: string): void {
  processCredentials = provider;
  processRegion = region;
}

/** The credentials Lambda gives a function (its execution role), from the environment. */
function environmentCredentials(config: AwsClientConfig): () => Promise<Credentials> {
  return async () => {
    if (processCredentials) return await processCredentials();
    const env = config.env ?? process.env;
    const accessKeyId = env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey) {
      throw new Error(
        `No AWS credentials for ${config.signingName}: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set`,
      );
    }
    return {
      accessKeyId,
      secretAccessKey,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  };
}

export class AwsHttpClient {
  readonly region: string;
  readonly endpoint: URL;
  /** The endpoint's own path, if any (a proxy's prefix), before each request's. */
  private readonly basePath: string;
  private readonly signer: SignatureV4;
  private readonly agent: HttpAgent;
  private readonly maxAttempts: number;
  private readonly timeoutMs: number;
  private retryTokens = RETRY_TOKENS;

  constructor(readonly config: AwsClientConfig) {
    const env = config.env ?? process.env;
    this.region = config.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? processRegion ?? 'us-east-1';
    this.endpoint = resolveEndpoint(config, this.region);
    this.basePath = this.endpoint.pathname.replace(/\/$/, '');
    this.signer = new SignatureV4({
      service: config.signingName,
      region: this.region,
      credentials: config.credentials ?? environmentCredentials(config),
      sha256: NodeSha256,
      // S3 signs the path as sent; every other service escapes it once more (SigV4).
      uriEscapePath: config.signingName !== 's3',
      applyChecksum: config.signingName === 's3',
    });
    const secure = this.endpoint.protocol === 'https:';
    this.agent = secure
      ? new HttpsAgent({ keepAlive: true, maxSockets: 50 })
      : new HttpAgent({ keepAlive: true, maxSockets: 50 });
    this.maxAttempts = Math.max(1, config.maxAttempts ?? 3);
    this.timeoutMs = config.timeoutMs ?? 30_000;
  }

  /** Closes the kept-alive connections. */
  destroy(): void {
    this.agent.destroy();
  }

  /**
   * Sends the request, signed afresh for each attempt, and answers the first 2XX/1XX answer. A throttled, 5XX or
   * unanswered attempt is retried (up to maxAttempts, backing off, while the retry quota lasts); any other error
   * answer is thrown as read by `readError`.
   */
  async send(request: AwsHttpRequest, readError: ErrorReader): Promise<AwsHttpResponse> {
    let spent = 0;
    for (let attempt = 1; ; attempt++) {
      let error: AwsError;
      // Signed afresh for each attempt (its date); a signing failure (no credentials) is not retried.
      const signed = await this.sign(request);
      try {
        const response = await this.transmitResendingStale(request, signed);
        if (response.status < 300) {
          this.retryTokens = Math.min(RETRY_TOKENS, this.retryTokens + (spent || 1));
          return response;
        }
        error = readError(response);
      } catch (caught) {
        if (caught instanceof AwsError) throw caught;
        error = networkError(caught);
      }
      error.$metadata.attempts = attempt;
      if (attempt >= this.maxAttempts || !isRetryable(error)) throw error;
      // The SDK's retry quota: retries draw on a bucket that successes refill, so that an outage is not
      // multiplied by every caller's retries.
      const cost = error.name === 'TimeoutError' ? TIMEOUT_RETRY_COST : RETRY_COST;
      if (this.retryTokens < cost) throw error;
      this.retryTokens -= cost;
      spent += cost;
      // What the SDK would retry silently, an operator sees: throttling or an outage shows before it fails.
      logger.warn('AWS request retried', {
        service: this.config.signingName,
        error: error.name,
        status: error.$metadata.httpStatusCode,
        attempt,
      });
      const base = error.$retryable?.throttling ? THROTTLING_BASE_DELAY_MS : BASE_DELAY_MS;
      await sleep(Math.random() * Math.min(MAX_DELAY_MS, base * 2 ** (attempt - 1)));
    }
  }

  private async sign(request: AwsHttpRequest): Promise<{ headers: Record<string, string> }> {
    const endpoint = this.endpoint;
    const body = request.body ?? '';
    return await this.signer.sign({
      method: request.method,
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
      path: `${this.basePath}${request.path}`,
      query: { ...request.query },
      headers: {
        host: endpoint.host,
        ...request.headers,
        'content-length': String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength),
      },
      body,
    });
  }

  /**
   * One attempt: sent, and resent (same signature) while a reused connection turns out stale — not an attempt
   * more, since the request did not reach the service (`StaleSocketError`), so Step Functions' too.
   */
  private async transmitResendingStale(
    request: AwsHttpRequest,
    signed: { headers: Record<string, string> },
  ): Promise<AwsHttpResponse> {
    for (let resends = 0; ; resends++) {
      try {
        return await this.transmit(request, signed);
      } catch (error) {
        if (!(error instanceof StaleSocketError)) throw error;
        if (resends >= MAX_STALE_RESENDS) throw error.cause;
      }
    }
  }

  private async transmit(
    request: AwsHttpRequest,
    signed: { headers: Record<string, string> },
  ): Promise<AwsHttpResponse> {
    const endpoint = this.endpoint;
    const body = request.body ?? '';
    const query = Object.entries(request.query ?? {})
      .map(([key, value]) => (value === '' ? uriEncode(key) : `${uriEncode(key)}=${uriEncode(value)}`))
      .join('&');
    const send = endpoint.protocol === 'https:' ? httpsRequest : httpRequest;
    return await new Promise<AwsHttpResponse>((resolve, reject) => {
      let answered = false;
      const req = send(
        {
          agent: this.agent,
          method: request.method,
          protocol: endpoint.protocol,
          hostname: endpoint.hostname,
          port: endpoint.port || undefined,
          path: `${this.basePath}${request.path}${query ? `?${query}` : ''}`,
          headers: signed.headers,
          timeout: this.timeoutMs,
        },
        (res) => {
          answered = true;
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        },
      );
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error('Request timed out'), { code: 'ETIMEDOUT' })),
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        const refused = error.code === 'ECONNRESET' || error.code === 'EPIPE';
        reject(req.reusedSocket && !answered && refused ? new StaleSocketError(error) : error);
      });
      req.end(body);
    });
  }
}

/** Percent-encoding as AWS wants it in a path or query and SigV4 canonicalizes it (RFC 3986: `!'()*` too). */
export const uriEncode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

import type { IncomingHttpHeaders } from 'node:http';

/** An answer as the transport gives it (http.ts's AwsHttpResponse, declared here: http.ts imports this module). */
interface AwsHttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * An AWS service's refusal, or a request that got no answer, in the SDK v3's shape: `name` is the service's error
 * code (`ConditionalCheckFailedException`, `ThrottlingException`…), `$metadata.httpStatusCode` its status
 * (undefined when nothing answered), `$fault` whose fault it is, `$retryable` set for throttling and transient
 * errors; the fields of a JSON error body (`CancellationReasons`, `Item`…) are copied onto it, as the SDK does.
 */
export class AwsError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { httpStatusCode?: number; requestId?: string; attempts?: number };
  readonly $retryable?: { throttling?: boolean };
  [field: string]: unknown;

  constructor(
    name: string,
    message: string,
    status: number | undefined,
    options: { requestId?: string; fields?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.fields) {
      for (const [key, value] of Object.entries(options.fields)) {
        if (!(key in this) && key !== '__type' && key !== 'message' && key !== 'Message') this[key] = value;
      }
    }
    this.name = name;
    this.$fault = status === undefined || status >= 500 ? 'server' : 'client';
    this.$metadata = {
      ...(status === undefined ? {} : { httpStatusCode: status }),
      ...(options.requestId ? { requestId: options.requestId } : {}),
    };
    const throttling = THROTTLING_CODES.has(name) || status === 429;
    if (throttling) this.$retryable = { throttling: true };
    else if (status === undefined || TRANSIENT_STATUS.has(status)) this.$retryable = {};
  }
}

/** The error codes AWS services throttle with (the SDK's list). */
const THROTTLING_CODES = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);

/** Statuses the SDK retries as transient. */
const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);

/** Whether the SDK's standard policy would try again. */
export const isRetryable = (error: AwsError): boolean => error.$retryable !== undefined;

/** A request that got no answer (connection refused or reset, timeout): retryable, the server's fault. */
export function networkError(cause: unknown): AwsError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const name = code === 'ETIMEDOUT' ? 'TimeoutError' : 'NetworkingError';
  return new AwsError(name, cause instanceof Error ? cause.message : String(cause), undefined, { cause });
}

const requestIdOf = (response: AwsHttpResponse): string | undefined => {
  const id = response.headers['x-amzn-requestid'] ?? response.headers['x-amz-request-id'];
  return typeof id === 'string' ? id : undefined;
};

/**
 * A JSON protocol's error (awsJson 1.0/1.1, restJson): the code from `x-amzn-errortype` or the body's
 * `__type`/`code`, without its namespace (`com.amazonaws.dynamodb.v20120810#…`) or its `:…` suffix.
 */
export function readJsonError(response: AwsHttpResponse): AwsError {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(response.body.toString('utf8') || '{}');
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      body = parsed as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's page): the status names it.
  }
  const header = response.headers['x-amzn-errortype'];
  const raw =
    (typeof header === 'string' ? header : undefined) ??
    (typeof body.__type === 'string' ? body.__type : undefined) ??
    (typeof body.code === 'string' ? body.code : undefined) ??
    (typeof body.Code === 'string' ? body.Code : undefined) ??
    `Http${response.status}Error`;
  const name = (raw.split('#').pop() ?? raw).split(':')[0] ?? raw;
  const message =
    (typeof body.message === 'string' ? body.message : undefined) ??
    (typeof body.Message === 'string' ? body.Message : undefined) ??
    name;
  const requestId = requestIdOf(response);
  return new AwsError(name, message, response.status, {
    fields: body,
    ...(requestId ? { requestId } : {}),
  });
}

const xmlText = (xml: string, tag: string): string | undefined => {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  return match?.[1] === undefined ? undefined : decodeXml(match[1]);
};

/** The five XML entities, and numeric references. */
export function decodeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]+|#[0-9]+);/g, (_, entity: string) => {
    switch (entity) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default:
        return String.fromCodePoint(
          entity.startsWith('#x') ? Number.parseInt(entity.slice(2), 16) : Number(entity.slice(1)),
        );
    }
  });
}

/** An XML protocol's error (query: `<ErrorResponse><Error>…`, restXml: `<Error>…`). */
export function readXmlError(response: AwsHttpResponse): AwsError {
  const xml = response.body.toString('utf8');
  const name = xmlText(xml, 'Code') ?? `Http${response.status}Error`;
  const requestId = xmlText(xml, 'RequestId') ?? requestIdOf(response);
  return new AwsError(name, xmlText(xml, 'Message') ?? name, response.status, {
    ...(requestId ? { requestId } : {}),
  });
}

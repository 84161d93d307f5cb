import { decodeXml } from './errors.js';
import { type AwsClientConfig, AwsHttpClient, type AwsHttpResponse, uriEncode } from './http.js';

/**
 * What the lean service clients (ADR 25) share: the transport made on first use — constructing a client needs no
 * credentials and resolves nothing, as with the SDK's clients — and the helpers of the JSON protocols.
 */

/** A client's configuration: the transport's, less what the service fixes. */
export type ServiceConfig = Omit<AwsClientConfig, 'signingName' | 'endpointId' | 'hostPrefix'>;

/** What a service fixes: its signing name, its endpoint id and its default host. */
export type ServiceId = Pick<AwsClientConfig, 'signingName' | 'endpointId' | 'hostPrefix'>;

/** The SDK's `$metadata` of an output. */
export interface ResponseMetadata {
  httpStatusCode?: number;
  requestId?: string;
}

/** A command: its input, and the output type its client resolves to. */
export abstract class Command<Input extends object, Output> {
  /** Carries the output type only. */
  declare readonly output?: Output;
  constructor(readonly input: Input) {}
}

export abstract class ServiceClient {
  private transport: AwsHttpClient | undefined;

  constructor(
    private readonly service: ServiceId,
    readonly config: ServiceConfig = {},
  ) {}

  /** Closes its kept-alive connections (a process that ends, a test). */
  destroy(): void {
    this.transport?.destroy();
  }

  /** The transport, made on the first request (so a missing credential fails the request, not the client). */
  protected get http(): AwsHttpClient {
    this.transport ??= new AwsHttpClient({ ...this.config, ...this.service });
    return this.transport;
  }
}

export function metadataOf(response: AwsHttpResponse): ResponseMetadata {
  const id = response.headers['x-amzn-requestid'] ?? response.headers['x-amz-request-id'];
  return { httpStatusCode: response.status, ...(typeof id === 'string' ? { requestId: id } : {}) };
}

export type Json = Record<string, unknown>;

/** JSON as the SDK writes a request: blobs (Uint8Array) as base64, undefined members left out. */
export const toJson = (input: object): string =>
  JSON.stringify(input, function (this: Json, key: string, value: unknown) {
    const raw = this[key];
    return raw instanceof Uint8Array ? Buffer.from(raw).toString('base64') : value;
  });

export function parseJson(response: AwsHttpResponse): Json {
  const text = response.body.toString('utf8');
  const parsed: unknown = text ? JSON.parse(text) : {};
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Json) : {};
}

/** A JSON protocol's timestamp (epoch seconds, fractional) as the SDK gives it: a Date. */
export const epochDate = (value: unknown): Date | undefined =>
  typeof value === 'number' ? new Date(Math.round(value * 1000)) : undefined;

export { uriEncode };

/** The raw content of each `<tag>…</tag>` in `xml`, in order (AWS's XML answers are regular enough for this). */
export const xmlElements = (xml: string, tag: string): string[] =>
  [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1] ?? '');

/** The decoded text of each `<tag>…</tag>` in `xml`, in order. */
export const xmlTexts = (xml: string, tag: string): string[] => xmlElements(xml, tag).map(decodeXml);

/** Escapes text for an XML element (the HTML escape is XML's too). */
export { escapeHtml as xmlEscape } from '../shared/html.js';

import { createHash } from 'node:crypto';
import type {
  DeleteObjectsCommandInput,
  DeleteObjectsCommandOutput,
  ListObjectsV2CommandInput,
  ListObjectsV2CommandOutput,
  PutObjectCommandInput,
  PutObjectCommandOutput,
} from '@aws-sdk/client-s3';
import {
  Command,
  type Json,
  metadataOf,
  ServiceClient,
  type ServiceConfig,
  uriEncode,
  xmlElements,
  xmlEscape,
  xmlTexts,
} from './client.js';
import { readXmlError } from './errors.js';
import { AwsHttpClient, type AwsHttpRequest, type AwsHttpResponse } from './http.js';

/**
 * S3's PutObject, ListObjectsV2 and DeleteObjects (ADR 25) over restXml. A bucket is reached as the SDK reaches it:
 * virtual-hosted on AWS (`{bucket}.s3.{region}.amazonaws.com`, path-style for a bucket name that is no DNS label),
 * path-style (`/{bucket}/{key}`) on an explicit endpoint (`endpoint`, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`).
 */

/** The headers of PutObject that the client sends (the rest of the SDK's input is not supported). */
const PUT_HEADERS = {
  ContentType: 'content-type',
  CacheControl: 'cache-control',
  ContentDisposition: 'content-disposition',
  ContentEncoding: 'content-encoding',
  ContentMD5: 'content-md5',
  ServerSideEncryption: 'x-amz-server-side-encryption',
  SSEKMSKeyId: 'x-amz-server-side-encryption-aws-kms-key-id',
  SSEKMSEncryptionContext: 'x-amz-server-side-encryption-context',
  BucketKeyEnabled: 'x-amz-server-side-encryption-bucket-key-enabled',
  StorageClass: 'x-amz-storage-class',
  Tagging: 'x-amz-tagging',
} as const;

export type PutObjectInput = Pick<
  PutObjectCommandInput,
  'Bucket' | 'Key' | 'Metadata' | keyof typeof PUT_HEADERS
> & {
  Body?: string | Uint8Array;
};
export type PutObjectOutput = Pick<
  PutObjectCommandOutput,
  '$metadata' | 'ETag' | 'VersionId' | 'ServerSideEncryption' | 'SSEKMSKeyId' | 'BucketKeyEnabled'
>;
export type ListObjectsV2Input = Pick<
  ListObjectsV2CommandInput,
  'Bucket' | 'Prefix' | 'MaxKeys' | 'ContinuationToken' | 'StartAfter'
>;
export type ListObjectsV2Output = Pick<
  ListObjectsV2CommandOutput,
  | '$metadata'
  | 'Name'
  | 'Prefix'
  | 'KeyCount'
  | 'MaxKeys'
  | 'IsTruncated'
  | 'ContinuationToken'
  | 'NextContinuationToken'
  | 'StartAfter'
  | 'Contents'
>;
export type DeleteObjectsInput = Pick<DeleteObjectsCommandInput, 'Bucket' | 'Delete'>;
export type DeleteObjectsOutput = Pick<DeleteObjectsCommandOutput, '$metadata' | 'Deleted' | 'Errors'>;

abstract class S3Command<Input extends object, Output> extends Command<Input, Output> {
  abstract readonly operation: 'PutObject' | 'ListObjectsV2' | 'DeleteObjects';
}
export class PutObjectCommand extends S3Command<PutObjectInput, PutObjectOutput> {
  readonly operation = 'PutObject';
}
export class ListObjectsV2Command extends S3Command<ListObjectsV2Input, ListObjectsV2Output> {
  readonly operation = 'ListObjectsV2';
}
export class DeleteObjectsCommand extends S3Command<DeleteObjectsInput, DeleteObjectsOutput> {
  readonly operation = 'DeleteObjects';
}

/** A bucket name S3 serves as a host name (TLS-safe: no dots). */
const VIRTUAL_HOSTABLE = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/** An object key in a path: each segment percent-encoded, the slashes kept. */
const keyPath = (key: string): string => key.split('/').map(uriEncode).join('/');

const header = (response: AwsHttpResponse, name: string): string | undefined => {
  const value = response.headers[name];
  return typeof value === 'string' ? value : undefined;
};

const text = (xml: string, tag: string): string | undefined => xmlTexts(xml, tag)[0];
const int = (xml: string, tag: string): number | undefined => {
  const value = text(xml, tag);
  return value === undefined ? undefined : Number(value);
};
const defined = (fields: Json): Json =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));

export class S3Client extends ServiceClient {
  private readonly buckets = new Map<string, AwsHttpClient>();

  constructor(config: ServiceConfig = {}) {
    super({ signingName: 's3', endpointId: 'S3', hostPrefix: 's3' }, config);
  }

  async send(command: PutObjectCommand): Promise<PutObjectOutput>;
  async send(command: ListObjectsV2Command): Promise<ListObjectsV2Output>;
  async send(command: DeleteObjectsCommand): Promise<DeleteObjectsOutput>;
  async send(
    command: PutObjectCommand | ListObjectsV2Command | DeleteObjectsCommand,
  ): Promise<PutObjectOutput | ListObjectsV2Output | DeleteObjectsOutput> {
    switch (command.operation) {
      case 'PutObject':
        return this.putObject(command.input);
      case 'ListObjectsV2':
        return this.listObjectsV2(command.input);
      case 'DeleteObjects':
        return this.deleteObjects(command.input);
    }
  }

  /**
   * Where a request about `bucket` goes: its transport, and the path before the key (`/{bucket}` path-style, ''
   * virtual-hosted).
   */
  private target(bucket: string | undefined): { http: AwsHttpClient; prefix: string } {
    if (!bucket) throw new Error('S3: Bucket is required');
    const env = this.config.env ?? process.env;
    const explicit = this.config.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
    if (explicit || !VIRTUAL_HOSTABLE.test(bucket))
      return { http: this.http, prefix: `/${uriEncode(bucket)}` };
    let http = this.buckets.get(bucket);
    if (!http) {
      const { region, endpoint } = this.http;
      http = new AwsHttpClient({
        ...this.config,
        signingName: 's3',
        endpointId: 'S3',
        hostPrefix: 's3',
        region,
        endpoint: `https://${bucket}.${endpoint.host}`,
      });
      this.buckets.set(bucket, http);
    }
    return { http, prefix: '' };
  }

  /** Sends a request about `bucket` (`path`: the key's, '' for the bucket itself) to where the bucket is. */
  private request(
    bucket: string | undefined,
    path: string,
    request: Omit<AwsHttpRequest, 'path'>,
  ): Promise<AwsHttpResponse> {
    const { http, prefix } = this.target(bucket);
    return http.send({ ...request, path: `${prefix}${path}` }, readXmlError);
  }

  private async putObject(input: PutObjectInput): Promise<PutObjectOutput> {
    if (!input.Key) throw new Error('PutObject: Key is required');
    const headers: Record<string, string> = {};
    for (const [field, name] of Object.entries(PUT_HEADERS)) {
      const value = input[field as keyof typeof PUT_HEADERS];
      if (value !== undefined) headers[name] = String(value);
    }
    for (const [name, value] of Object.entries(input.Metadata ?? {})) headers[`x-amz-meta-${name}`] = value;
    const response = await this.request(input.Bucket, `/${keyPath(input.Key)}`, {
      method: 'PUT',
      headers,
      body: input.Body ?? '',
    });
    const bucketKey = header(response, 'x-amz-server-side-encryption-bucket-key-enabled');
    return defined({
      ETag: header(response, 'etag'),
      VersionId: header(response, 'x-amz-version-id'),
      ServerSideEncryption: header(response, 'x-amz-server-side-encryption'),
      SSEKMSKeyId: header(response, 'x-amz-server-side-encryption-aws-kms-key-id'),
      BucketKeyEnabled: bucketKey === undefined ? undefined : bucketKey === 'true',
      $metadata: metadataOf(response),
    }) as PutObjectOutput;
  }

  private async listObjectsV2(input: ListObjectsV2Input): Promise<ListObjectsV2Output> {
    const query: Record<string, string> = { 'list-type': '2' };
    if (input.ContinuationToken !== undefined) query['continuation-token'] = input.ContinuationToken;
    if (input.MaxKeys !== undefined) query['max-keys'] = String(input.MaxKeys);
    if (input.Prefix !== undefined) query.prefix = input.Prefix;
    if (input.StartAfter !== undefined) query['start-after'] = input.StartAfter;
    const response = await this.request(input.Bucket, '/', { method: 'GET', query });
    const xml = response.body.toString('utf8');
    const contents = xmlElements(xml, 'Contents');
    const head = xml.split('<Contents>')[0] ?? xml;
    const modified = (entry: string): Date | undefined => {
      const value = text(entry, 'LastModified');
      return value === undefined ? undefined : new Date(value);
    };
    return defined({
      Name: text(head, 'Name'),
      Prefix: text(head, 'Prefix'),
      KeyCount: int(xml, 'KeyCount'),
      MaxKeys: int(xml, 'MaxKeys'),
      IsTruncated: text(xml, 'IsTruncated') === undefined ? undefined : text(xml, 'IsTruncated') === 'true',
      ContinuationToken: text(xml, 'ContinuationToken'),
      NextContinuationToken: text(xml, 'NextContinuationToken'),
      StartAfter: text(xml, 'StartAfter'),
      Contents:
        contents.length === 0
          ? undefined
          : contents.map((entry) =>
              defined({
                Key: text(entry, 'Key'),
                LastModified: modified(entry),
                ETag: text(entry, 'ETag'),
                Size: int(entry, 'Size'),
                StorageClass: text(entry, 'StorageClass'),
              }),
            ),
      $metadata: metadataOf(response),
    }) as ListObjectsV2Output;
  }

  private async deleteObjects(input: DeleteObjectsInput): Promise<DeleteObjectsOutput> {
    const { Objects = [], Quiet } = input.Delete ?? {};
    const body =
      '<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      Objects.map(
        (o) =>
          `<Object><Key>${xmlEscape(o.Key ?? '')}</Key>${o.VersionId ? `<VersionId>${xmlEscape(o.VersionId)}</VersionId>` : ''}</Object>`,
      ).join('') +
      (Quiet === undefined ? '' : `<Quiet>${Quiet}</Quiet>`) +
      '</Delete>';
    const response = await this.request(input.Bucket, '/', {
      method: 'POST',
      query: { delete: '' },
      headers: {
        'content-type': 'application/xml',
        'content-md5': createHash('md5').update(body).digest('base64'),
      },
      body,
    });
    const xml = response.body.toString('utf8');
    const deleted = xmlElements(xml, 'Deleted');
    const errors = xmlElements(xml, 'Error');
    return defined({
      Deleted:
        deleted.length === 0
          ? undefined
          : deleted.map((entry) => defined({ Key: text(entry, 'Key'), VersionId: text(entry, 'VersionId') })),
      Errors:
        errors.length === 0
          ? undefined
          : errors.map((entry) =>
              defined({
                Key: text(entry, 'Key'),
                VersionId: text(entry, 'VersionId'),
                Code: text(entry, 'Code'),
                Message: text(entry, 'Message'),
              }),
            ),
      $metadata: metadataOf(response),
    }) as DeleteObjectsOutput;
  }
}

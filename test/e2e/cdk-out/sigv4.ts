import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';

/** node:crypto as the signer's SHA-256 (HMAC when given a secret). */
class Sha256 {
  private hash: Hash | Hmac;
  private readonly secret: string | Uint8Array | undefined;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.secret =
      secret === undefined || typeof secret === 'string'
        ? secret
        : secret instanceof ArrayBuffer
          ? new Uint8Array(secret)
          : new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength);
    this.hash = this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(
      typeof data === 'string'
        ? Buffer.from(data, 'utf8')
        : data instanceof ArrayBuffer
          ? new Uint8Array(data)
          : new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    );
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
}

export interface SignedBy {
  accessKeyId: string;
  region: string;
  service: string;
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$/;

/**
 * Checks a request's SigV4 signature (Authorization header) as AWS does: the request is signed again with the
 * secret of the access key it names, over the headers it says it signed. Returns who signed it, or why not.
 */
export async function verifySigV4(
  request: { method: string; url: string; headers: IncomingHttpHeaders; body: Buffer },
  secretOf: (accessKeyId: string) => Credentials | undefined,
): Promise<{ ok: true; by: SignedBy } | { ok: false; code: string; message: string }> {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? AUTH.exec(header) : null;
  if (!match)
    return {
      ok: false,
      code: 'MissingAuthenticationToken',
      message: 'Request is missing a valid SigV4 Authorization header',
    };
  const [, accessKeyId = '', , region = '', service = '', signedHeaders = '', signature = ''] = match;
  const credentials = secretOf(accessKeyId);
  if (!credentials) {
    return {
      ok: false,
      code: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    };
  }
  if (credentials.sessionToken && request.headers['x-amz-security-token'] !== credentials.sessionToken) {
    return {
      ok: false,
      code: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    };
  }
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  if (Number.isNaN(signingDate.getTime()) || Math.abs(Date.now() - signingDate.getTime()) > 15 * 60_000) {
    return {
      ok: false,
      code: 'InvalidSignatureException',
      message: 'Signature expired or X-Amz-Date invalid',
    };
  }
  const url = new URL(request.url, 'http://placeholder');
  const headers: Record<string, string> = {};
  for (const name of signedHeaders.split(';')) {
    const value = request.headers[name];
    headers[name] = Array.isArray(value) ? value.join(',') : String(value ?? '');
  }
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    const existing = query[key];
    query[key] =
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  const hostHeader = headers.host ?? '';
  const [hostname = '', port] = hostHeader.split(':');
  const signer = new SignatureV4({
    credentials,
    region,
    service,
    sha256: Sha256,
    uriEscapePath: service !== 's3',
    applyChecksum: service === 's3',
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname,
      ...(port ? { port: Number(port) } : {}),
      path: url.pathname,
      query,
      headers,
      body: request.body,
    },
    { signingDate, signingRegion: region, signingService: service },
  );
  const expected = /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization ?? ''))?.[1];
  if (expected !== signature) {
    return {
      ok: false,
      code: 'InvalidSignatureException',
      message: 'The request signature we calculated does not match the signature you provided.',
    };
  }
  return { ok: true, by: { accessKeyId, region, service } };
}

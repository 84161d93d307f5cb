import { connect } from 'node:net';

/** What a raw exchange produced: the parsed response, or how the connection failed. */
export interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The connection was reset (ECONNRESET/EPIPE) before a complete response arrived. */
  reset: boolean;
  /** No complete response within the timeout. */
  timedOut: boolean;
  /** Everything received, as text. */
  raw: string;
}

/** Parses one response; the answer to HEAD has no body whatever its Content-Length says (RFC 9110 9.3.2). */
function parse(all: Buffer, head = false): Pick<RawReply, 'status' | 'headers' | 'body'> | undefined {
  let raw = all;
  // Skips interim responses (100 Continue).
  while (/^HTTP\/1\.[01] 1\d\d /.test(raw.subarray(0, 13).toString('latin1'))) {
    const interimEnd = raw.indexOf('\r\n\r\n');
    if (interimEnd < 0) return undefined;
    raw = raw.subarray(interimEnd + 4);
  }
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  if (!Number.isInteger(status)) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let rest = raw.subarray(end + 4);
  if (head) return { status, headers, body: '' };
  if (headers['transfer-encoding'] === 'chunked') {
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = rest.indexOf('\r\n');
      if (lineEnd < 0) return undefined;
      const size = Number.parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
      if (!Number.isFinite(size)) return undefined;
      if (size === 0) break;
      if (rest.length < lineEnd + 2 + size) return undefined;
      parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      rest = rest.subarray(lineEnd + 2 + size + 2);
    }
    return { status, headers, body: Buffer.concat(parts).toString('utf8') };
  }
  const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  if (length !== undefined && rest.length < length) return undefined;
  return { status, headers, body: rest.subarray(0, length).toString('utf8') };
}

/**
 * Sends `request` (bytes as given: any request line, headers and body) on a fresh TCP connection and reads one
 * response. The request should carry `Connection: close` (or the server will keep the socket open until the
 * response is complete, which is also detected). `body` parts are written after it, with backpressure, until a
 * response arrives or the connection ends.
 */
export function rawRequest(
  baseUrl: string,
  request: string | Buffer,
  options: { timeoutMs?: number; body?: Iterable<Buffer | string> } = {},
): Promise<RawReply> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let reset = false;
    let settled = false;
    const socket = connect({ host: hostname, port: Number(port) });
    const finish = (timedOut: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const raw = Buffer.concat(chunks);
      const parsed = parse(raw, Buffer.from(request).subarray(0, 5).toString('latin1') === 'HEAD ');
      resolve({
        status: parsed?.status ?? 0,
        headers: parsed?.headers ?? {},
        body: parsed?.body ?? '',
        reset: reset && !parsed,
        timedOut: timedOut && !parsed,
        raw: raw.toString('latin1'),
      });
    };
    const timer = setTimeout(() => finish(true), options.timeoutMs ?? 5000);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // A complete response: no need to wait for the server to close.
      if (parse(Buffer.concat(chunks), Buffer.from(request).subarray(0, 5).toString('latin1') === 'HEAD '))
        finish(false);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') reset = true;
      finish(false);
    });
    socket.on('end', () => finish(false));
    socket.on('connect', () => {
      socket.write(request);
      if (options.body) void writeAll(options.body);
    });
    // Writes the body parts with backpressure, stopping when the exchange is over.
    const writeAll = async (parts: Iterable<Buffer | string>) => {
      for (const part of parts) {
        if (settled || socket.destroyed) return;
        if (!socket.write(part)) {
          await new Promise<void>((done) => {
            socket.once('drain', done);
            socket.once('close', done);
          });
        }
      }
    };
  });
}

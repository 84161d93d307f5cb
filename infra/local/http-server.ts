import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { logger } from '../../functions/shared/logger.js';

export type HttpHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** A route: requests whose path starts with `prefix` go to `handler` (as API Gateway would route them). */
export interface Route {
  prefix: string;
  handler: HttpHandler;
  /** The handler answers CORS itself (the OpenID Provider: per client), so the server's CORS is not applied. */
  ownCors?: boolean;
}

/** Transport limit, well above the API's own body limit (which answers 413 in AM's shape). */
const MAX_TRANSPORT_BYTES = 10 * 1024 * 1024;
/** After refusing a body: how long, and how much more of it, to read and discard before closing. */
const LINGER_MS = 2000;
const LINGER_BYTES = 64 * 1024 * 1024;

/** Every local response says so (the API's own JSON responses already do). */
const NOSNIFF = { 'x-content-type-options': 'nosniff' };

/** The client went away before its request was read: not a server error. */
class ClientClosedError extends Error {
  constructor() {
    super('The client closed the connection before the request was complete');
    this.name = 'ClientClosedError';
  }
}

const isClientClosed = (error: unknown): boolean =>
  error instanceof ClientClosedError ||
  (error as NodeJS.ErrnoException | undefined)?.code === 'ECONNRESET' ||
  (error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';

/** The body, or `too-large` once it passes the transport limit (the rest is then left unread). */
function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_TRANSPORT_BYTES) {
        req.off('data', onData);
        req.pause();
        chunks.length = 0;
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ECONNRESET' ? new ClientClosedError() : error),
    );
    req.on('close', () => {
      if (!req.complete) reject(new ClientClosedError());
    });
  });
}

/** An AM-shaped error (`{code, reason, message}`) from the transport itself. */
function transportError(
  statusCode: number,
  reason: string,
  message: string,
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify({ code: statusCode, reason, message }),
  };
}

/**
 * The request target as a URL, or undefined when it is not one. Origin-form (`/path?query`) is taken as it is,
 * `//x` included (a path, not a host); absolute-form (`http://host/path`) is accepted as HTTP/1.1 requires.
 */
function targetUrl(target: string | undefined): URL | undefined {
  const value = target ?? '/';
  try {
    if (value.startsWith('/')) return new URL(`http://localhost${value}`);
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Turns a Node request into an API Gateway HTTP API (payload format 2.0) event (undefined: no valid target). */
export function toEvent(req: IncomingMessage, body: Buffer): APIGatewayProxyEventV2 | undefined {
  const url = targetUrl(req.url);
  if (!url) return undefined;
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined || key === 'cookie') continue;
    headers[key] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = key in query ? `${query[key]},${value}` : value;
  const cookies = req.headers.cookie
    ?.split(';')
    .map((c) => c.trim())
    .filter(Boolean);
  const isText =
    body.length === 0 ||
    /json|text|x-www-form-urlencoded/.test(req.headers['content-type'] ?? 'application/json');
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(cookies && cookies.length > 0 ? { cookies } : {}),
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: req.headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: req.headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    ...(body.length > 0 ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: !isText && body.length > 0,
  };
}

function send(res: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const headers: Record<string, string | number | string[]> = { ...NOSNIFF };
  // Header names are case-insensitive: one entry per name (middy's middlewares write `X-Content-Type-Options`).
  for (const [key, value] of Object.entries(result.headers ?? {})) headers[key.toLowerCase()] = String(value);
  if (result.cookies && result.cookies.length > 0) headers['set-cookie'] = result.cookies;
  const body = result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : undefined;
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(body);
}

/**
 * Answers 413 for a body over the transport limit and closes the connection gracefully: the response says
 * `Connection: close`, then what the client still sends is read and discarded (for a bounded time and size)
 * before the socket closes, so that the client reads the 413 rather than a reset. A body the client has not
 * started sending (it expects 100-continue) is not waited for.
 */
function refuseTooLarge(req: IncomingMessage, res: ServerResponse, bodyPending: boolean): void {
  const result = transportError(
    413,
    'Payload Too Large',
    `Request body is larger than ${MAX_TRANSPORT_BYTES} bytes`,
  );
  const body = Buffer.from(result.body ?? '', 'utf8');
  res.writeHead(413, {
    ...result.headers,
    ...NOSNIFF,
    'content-length': body.length,
    connection: 'close',
  });
  res.write(body);
  req.on('error', () => undefined);
  if (!bodyPending || req.complete) {
    res.end();
    return;
  }
  let drained = 0;
  const close = () => {
    clearTimeout(timer);
    req.off('data', discard);
    if (!res.writableEnded) res.end();
  };
  const discard = (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > LINGER_BYTES) close();
  };
  const timer = setTimeout(close, LINGER_MS);
  timer.unref();
  req.on('data', discard);
  req.once('end', close);
  req.once('close', close);
  req.resume();
}

/** Browser origins allowed to call the API with credentials (the ForgeRock SDK sends cookies). */
export interface CorsOptions {
  origins: readonly string[];
}

const CORS_HEADERS =
  'Content-Type, Accept-API-Version, X-Requested-With, X-Requested-Platform, iPlanetDirectoryPro';

/**
 * Applies CORS like the cloud stack's HTTP API does: answers preflights for allowed origins and marks their
 * responses. Returns true when the request was a preflight and is answered.
 */
function cors(req: IncomingMessage, res: ServerResponse, options: CorsOptions): boolean {
  const origin = req.headers.origin;
  if (!origin || !options.origins.includes(origin)) return false;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('access-control-allow-credentials', 'true');
  res.setHeader('vary', 'Origin');
  if (req.method !== 'OPTIONS') return false;
  res.writeHead(204, {
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': CORS_HEADERS,
    'access-control-max-age': '600',
  });
  res.end();
  return true;
}

/** Serves routes on loopback, handing API Gateway v2 events to the same handlers Lambda runs. */
export async function startHttpServer(
  routes: readonly Route[],
  port: number,
  host = '127.0.0.1',
  corsOptions: CorsOptions = { origins: [] },
): Promise<{ server: Server; url: string }> {
  const handle = async (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean) => {
    try {
      const path = targetUrl(req.url)?.pathname;
      const ownCors = path !== undefined && routes.find((r) => path.startsWith(r.prefix))?.ownCors === true;
      if (!ownCors && cors(req, res, corsOptions)) return;
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > MAX_TRANSPORT_BYTES) {
        refuseTooLarge(req, res, !expectsContinue);
        return;
      }
      if (expectsContinue) res.writeContinue();
      const body = await readBody(req);
      if (body === 'too-large') {
        refuseTooLarge(req, res, true);
        return;
      }
      const event = toEvent(req, body);
      if (!event) {
        send(res, transportError(400, 'Bad Request', 'The request target is not a valid URL path'));
        return;
      }
      const route = routes.find((r) => event.rawPath.startsWith(r.prefix));
      if (!route) {
        send(res, transportError(404, 'Not Found', `No endpoint at ${event.rawPath}`));
        return;
      }
      send(res, await route.handler(event));
    } catch (error) {
      if (isClientClosed(error) || (req.destroyed && !req.complete)) {
        // The client went away (aborted upload, closed tab): nothing to answer, nothing wrong here.
        logger.debug('Client closed the request before it was answered', { method: req.method });
        return;
      }
      logger.error('Local HTTP adapter error', { error: error as Error });
      if (!res.headersSent) send(res, transportError(500, 'Internal Server Error', 'Internal Server Error'));
    }
  };
  const server = createServer((req, res) => void handle(req, res, false));
  // A client announcing a body (Expect: 100-continue) is told to send it only when it will be read.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => void handle(req, res, true));
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return { server, url: `http://${host}:${address.port}` };
}

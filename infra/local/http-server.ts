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
}

/** Transport limit, well above the API's own body limit (which answers 413 in AM's shape). */
const MAX_TRANSPORT_BYTES = 10 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_TRANSPORT_BYTES) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Turns a Node request into an API Gateway HTTP API (payload format 2.0) event. */
export function toEvent(req: IncomingMessage, body: Buffer): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://localhost');
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
  const headers: Record<string, string | number | string[]> = {};
  for (const [key, value] of Object.entries(result.headers ?? {})) headers[key] = String(value);
  if (result.cookies && result.cookies.length > 0) headers['set-cookie'] = result.cookies;
  const body = result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : undefined;
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(body);
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
  const server = createServer(async (req, res) => {
    try {
      if (cors(req, res, corsOptions)) return;
      const body = await readBody(req);
      if (body === undefined) {
        send(res, {
          statusCode: 413,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ code: 413, reason: 'Payload Too Large', message: 'Request body too large' }),
        });
        return;
      }
      const event = toEvent(req, body);
      const route = routes.find((r) => event.rawPath.startsWith(r.prefix));
      if (!route) {
        send(res, {
          statusCode: 404,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            code: 404,
            reason: 'Not Found',
            message: `No endpoint at ${event.rawPath}`,
          }),
        });
        return;
      }
      send(res, await route.handler(event));
    } catch (error) {
      logger.error('Local HTTP adapter error', { error: error as Error });
      if (!res.headersSent)
        send(res, {
          statusCode: 500,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            code: 500,
            reason: 'Internal Server Error',
            message: 'Internal Server Error',
          }),
        });
    }
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return { server, url: `http://${host}:${address.port}` };
}

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface RouteSpec {
  routeKey: string;
  /** The integrated function (`IntegrationUri`), an AWS_PROXY integration. */
  functionArn: string;
  payloadFormatVersion: string;
  /** Integration timeout (API Gateway: 30 s at most). */
  timeoutMs: number;
}

export type GatewayInvoke = (
  route: RouteSpec,
  event: Record<string, unknown>,
) => Promise<{ ok: true; payload: unknown } | { ok: false }>;

const TEXT = /^(text\/|application\/(json|xml|x-www-form-urlencoded|javascript)|.*\+json|.*\+xml)/;

/** Matches `METHOD /path/{param}/{proxy+}` (or `$default`) against a request. */
function match(routeKey: string, method: string, path: string): Record<string, string> | undefined {
  if (routeKey === '$default') return {};
  const [routeMethod = '', routePath = ''] = routeKey.split(' ');
  if (routeMethod !== 'ANY' && routeMethod !== method) return undefined;
  const want = routePath.split('/').slice(1);
  const have = path.split('/').slice(1);
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const segment = want[i] ?? '';
    const greedy = /^\{(.+)\+\}$/.exec(segment);
    if (greedy) {
      const rest = have.slice(i).join('/');
      if (rest === '') return undefined;
      params[greedy[1] ?? 'proxy'] = decodeURIComponent(rest);
      return params;
    }
    const value = have[i];
    if (value === undefined) return undefined;
    const param = /^\{(.+)\}$/.exec(segment);
    if (param) params[param[1] ?? ''] = decodeURIComponent(value);
    else if (segment !== value) return undefined;
  }
  return have.length === want.length ? params : undefined;
}

/** Specificity as API Gateway picks routes: most literal segments first, greedy last, `$default` only if none. */
const rank = (routeKey: string): number =>
  routeKey === '$default'
    ? -1
    : routeKey.split('/').filter((s) => !s.startsWith('{')).length * 10 - (routeKey.includes('+}') ? 5 : 0);

/**
 * An HTTP API's `$default` stage: routes and AWS_PROXY integrations from the template, payload format 2.0 events,
 * the integration timeout answered 504 as API Gateway does, function errors as 500 `Internal Server Error`.
 */
export class LocalHttpApi {
  private server: Server | undefined;

  constructor(
    private readonly routes: readonly RouteSpec[],
    private readonly invoke: GatewayInvoke,
    private readonly context: { apiId: string; accountId: string },
  ) {}

  listen(server: Server): void {
    this.server = server;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"message":"Internal Server Error"}');
      });
    });
  }

  static createServer(): Server {
    return createServer();
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const candidates = [...this.routes].sort((a, b) => rank(b.routeKey) - rank(a.routeKey));
    let route: RouteSpec | undefined;
    let pathParameters: Record<string, string> | undefined;
    for (const candidate of candidates) {
      pathParameters = match(candidate.routeKey, method, url.pathname);
      if (pathParameters) {
        route = candidate;
        break;
      }
    }
    const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'apigw-requestid': randomUUID(),
        ...headers,
      });
      res.end(JSON.stringify(body));
    };
    if (!route) return json(404, { message: 'Not Found' });
    const headers: Record<string, string> = {};
    let cookies: string[] | undefined;
    for (const [name, value] of Object.entries(req.headers)) {
      if (name === 'cookie') cookies = String(value).split(/;\s*/);
      else headers[name] = Array.isArray(value) ? value.join(',') : String(value ?? '');
    }
    const contentType = headers['content-type'] ?? '';
    const isText = raw.length === 0 || TEXT.test(contentType);
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
    const now = new Date();
    const requestId = randomUUID();
    // API Gateway tells the integration the scheme the client used.
    headers['x-forwarded-proto'] = 'http';
    const event: Record<string, unknown> = {
      version: '2.0',
      routeKey: route.routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      ...(cookies ? { cookies } : {}),
      headers,
      ...(url.search ? { queryStringParameters: query } : {}),
      requestContext: {
        accountId: this.context.accountId,
        apiId: this.context.apiId,
        domainName: headers.host ?? 'localhost',
        domainPrefix: (headers.host ?? 'localhost').split('.')[0],
        http: {
          method,
          path: url.pathname,
          protocol: `HTTP/${req.httpVersion}`,
          sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
          userAgent: headers['user-agent'] ?? '',
        },
        requestId,
        routeKey: route.routeKey,
        stage: '$default',
        time: now.toUTCString(),
        timeEpoch: now.getTime(),
      },
      ...(raw.length > 0 ? { body: isText ? raw.toString('utf8') : raw.toString('base64') } : {}),
      ...(pathParameters && Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
      isBase64Encoded: !isText,
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), route.timeoutMs);
    });
    const outcome = await Promise.race([this.invoke(route, event), timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') return json(504, { message: 'Service Unavailable' });
    if (!outcome.ok) return json(500, { message: 'Internal Server Error' });
    const result = outcome.payload;
    // Format 2.0: an object with statusCode is a response; anything else is a 200 JSON body.
    if (typeof result === 'object' && result !== null && 'statusCode' in result) {
      const r = result as {
        statusCode: number;
        headers?: Record<string, string>;
        multiValueHeaders?: Record<string, string[]>;
        body?: string;
        isBase64Encoded?: boolean;
        cookies?: string[];
      };
      const out: Record<string, string | string[]> = { 'apigw-requestid': requestId, ...(r.headers ?? {}) };
      if (r.cookies?.length) out['set-cookie'] = r.cookies;
      res.writeHead(r.statusCode, out);
      res.end(r.body === undefined ? '' : r.isBase64Encoded ? Buffer.from(r.body, 'base64') : r.body);
      return;
    }
    if (typeof result === 'string') {
      res.writeHead(200, { 'content-type': 'application/json', 'apigw-requestid': requestId });
      res.end(result);
      return;
    }
    json(200, result ?? null);
  }
}

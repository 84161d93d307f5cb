import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback, readBody } from '../http.js';

/**
 * A stand-in for the iProov REST API v2 (VENDORS.md): claim tokens (single use, expiring), server-side
 * validate with passed/reason/frame, OAuth client credentials, user look-up and delete. `/sandbox/…` lets tests
 * (or the stand-in SDK page) decide what the user's face scan did, and inject faults. Development and tests
 * only.
 */
export interface IproovSandboxOptions {
  apiKey: string;
  apiSecret: string;
  oauthUsername: string;
  oauthPassword: string;
  /** How long a claimed token may be used (iProov: minutes). */
  tokenTtlMs?: number;
}

/** What the user's scan did, as the web SDK would report it. */
export type ScanResult = 'passed' | 'failed' | 'canceled' | 'error';

interface SandboxToken {
  token: string;
  type: 'enrol' | 'verify';
  userId: string;
  assuranceType: string;
  createdAt: number;
  result?: ScanResult;
  reason?: string;
  validated: boolean;
}

export interface IproovFaults {
  /** `error`: validate answers 500; `slow`: after `slowMs`. */
  validate?: 'ok' | 'error' | 'slow';
  /** `error`: claiming tokens answers 503. */
  token?: 'ok' | 'error';
  slowMs?: number;
}

// A 1×1 JPEG, standing in for the returned frame.
const FRAME =
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=';

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const error = (res: ServerResponse, status: number, code: string, description: string): void =>
  send(res, status, { error: code, error_description: description });

export class IproovSandbox {
  readonly tokens = new Map<string, SandboxToken>();
  readonly enrolled = new Set<string>();
  private readonly accessTokens = new Set<string>();
  private faults: IproovFaults = {};
  private server?: Server;
  url = '';

  constructor(private readonly options: IproovSandboxOptions) {}

  async start(port = 0): Promise<string> {
    ({ server: this.server, url: this.url } = await listenOnLoopback(
      (req, res) => this.handle(req, res),
      port,
    ));
    return this.url;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  /** The environment that points the real client at this sandbox. */
  env(): Record<string, string> {
    return {
      IPROOV_BASE_URL: `${this.url}/api/v2`,
      IPROOV_API_KEY: this.options.apiKey,
      IPROOV_API_SECRET: this.options.apiSecret,
      IPROOV_OAUTH_USERNAME: this.options.oauthUsername,
      IPROOV_OAUTH_PASSWORD: this.options.oauthPassword,
    };
  }

  setFaults(faults: IproovFaults): void {
    this.faults = { ...faults };
  }

  /** Plays the user's face scan for a token. */
  scan(token: string, result: ScanResult, reason?: string): boolean {
    const entry = this.tokens.get(token);
    if (!entry) return false;
    entry.result = result;
    if (reason) entry.reason = reason;
    return true;
  }

  private credentialsOk(body: Record<string, unknown>): boolean {
    return body.api_key === this.options.apiKey && body.secret === this.options.apiSecret;
  }

  private bearerOk(req: IncomingMessage): boolean {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    return token !== undefined && this.accessTokens.has(token);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname;
    const method = req.method ?? 'GET';

    const claim = /^\/api\/v2\/claim\/(enrol|verify)\/(token|validate)$/.exec(path);
    if (method === 'POST' && claim) {
      const type = claim[1] as 'enrol' | 'verify';
      const body = await readBody(req);
      if (!this.credentialsOk(body))
        return error(res, 401, 'unauthorized_client', 'Invalid API key or secret');
      if (typeof body.user_id !== 'string' || body.user_id === '')
        return error(res, 400, 'invalid_request', 'user_id is required');
      if (claim[2] === 'token') {
        if (this.faults.token === 'error') return error(res, 503, 'server_error', 'Service unavailable');
        const assurance = body.assurance_type ?? 'genuine_presence';
        if (assurance !== 'genuine_presence' && assurance !== 'liveness') {
          return error(res, 400, 'invalid_request', 'assurance_type must be genuine_presence or liveness');
        }
        if (type === 'verify' && !this.enrolled.has(body.user_id))
          return error(res, 400, 'invalid_user', 'User is not enrolled');
        const token = randomBytes(32).toString('hex');
        this.tokens.set(token, {
          token,
          type,
          userId: body.user_id,
          assuranceType: assurance,
          createdAt: Date.now(),
          validated: false,
        });
        return send(res, 200, {
          token,
          primary: this.url,
          pod: 'sandbox',
          user_id: body.user_id,
          fallback: [],
          risk_profile: 'default',
        });
      }
      if (this.faults.validate === 'error') return error(res, 500, 'server_error', 'Internal error');
      if (this.faults.validate === 'slow')
        await new Promise((r) => setTimeout(r, this.faults.slowMs ?? 15_000));
      const entry = typeof body.token === 'string' ? this.tokens.get(body.token) : undefined;
      if (!entry || entry.type !== type || entry.userId !== body.user_id)
        return error(res, 400, 'invalid_token', 'Unknown token');
      if (entry.validated) return error(res, 400, 'invalid_token', 'Token already validated');
      if (Date.now() - entry.createdAt > (this.options.tokenTtlMs ?? 10 * 60_000)) {
        return error(res, 400, 'invalid_token', 'Token expired');
      }
      entry.validated = true;
      const passed = entry.result === 'passed';
      if (passed && type === 'enrol') this.enrolled.add(entry.userId);
      return send(res, 200, {
        passed,
        token: entry.token,
        type,
        frame_available: true,
        frame: FRAME,
        ...(passed
          ? {}
          : { reason: entry.reason ?? (entry.result ? `sdk_${entry.result}` : 'not_completed') }),
        assurance_type: entry.assuranceType,
        risk_profile: 'default',
        signals: { anti_spoofing: { auto: passed }, matching: { auto: passed }, multiple_faces_found: false },
      });
    }

    if (method === 'POST' && path === `/api/v2/${this.options.apiKey}/access_token`) {
      const expected = `Basic ${Buffer.from(`${this.options.oauthUsername}:${this.options.oauthPassword}`).toString('base64')}`;
      const body = await readBody(req);
      if (req.headers.authorization !== expected)
        return error(res, 401, 'invalid_client', 'Bad OAuth credentials');
      if (body.grant_type !== 'client_credentials')
        return error(res, 400, 'unsupported_grant_type', 'Use client_credentials');
      const token = randomBytes(24).toString('hex');
      this.accessTokens.add(token);
      return send(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 3600 });
    }

    const user = /^\/api\/v2\/users\/([^/]+)$/.exec(path);
    if (user && (method === 'GET' || method === 'DELETE')) {
      if (!this.bearerOk(req)) return error(res, 401, 'invalid_token', 'Bearer token required');
      const userId = decodeURIComponent(user[1] ?? '');
      if (!this.enrolled.has(userId)) return error(res, 404, 'not_found', 'User not found');
      if (method === 'DELETE') {
        this.enrolled.delete(userId);
        return send(res, 200, { status: 'Deleted' });
      }
      return send(res, 200, { user_id: userId, status: 'Active' });
    }

    // Control API.
    const scan = /^\/sandbox\/tokens\/([^/]+)\/scan$/.exec(path);
    if (method === 'POST' && scan) {
      const body = await readBody(req);
      const ok = this.scan(
        decodeURIComponent(scan[1] ?? ''),
        (body.result as ScanResult) ?? 'passed',
        body.reason as string | undefined,
      );
      return ok ? send(res, 200, { ok: true }) : error(res, 404, 'not_found', 'Unknown token');
    }
    if (method === 'POST' && path === '/sandbox/faults') {
      this.setFaults((await readBody(req)) as IproovFaults);
      return send(res, 200, this.faults);
    }
    if (method === 'GET' && path === '/sandbox/users') return send(res, 200, [...this.enrolled]);
    error(res, 404, 'not_found', `No sandbox endpoint at ${method} ${path}`);
  }
}

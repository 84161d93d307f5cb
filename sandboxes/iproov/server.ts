import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { closeServer, listenOnLoopback, readBody, readMultipart } from '../http.js';

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
  /**
   * Keeps the enrolled users in `<dataDir>/iproov-sandbox.json` (0600, replaced atomically), so that they
   * survive a restart as the users under `DATA_DIR` do; omitted: in memory only.
   */
  dataDir?: string;
}

/** The file under `dataDir` holding the sandbox's enrolments. */
export const IPROOV_SANDBOX_FILE = 'iproov-sandbox.json';

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
  /** Enrolled from a reference photo (`/claim/enrol/image`) instead of a scan. */
  fromImage?: boolean;
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

/** The largest reference photo the sandbox accepts (bytes). */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

/** CORS for the control API: the demo page (another origin) plays the scan. */
const CONTROL_CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST',
  'access-control-allow-headers': 'content-type',
};

/** The stand-in for the web SDK: buttons that play the scan of `token`. */
function scanPage(token: string): string {
  const escaped = token.replace(/[^A-Za-z0-9]/g, '');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>iProov sandbox</title><style>body{font:16px system-ui;max-width:28rem;margin:2rem auto;padding:0 1rem}button{margin:.25rem}</style></head>
<body><h1>iProov sandbox</h1><p>This page stands in for the iProov web SDK. Choose what the face scan does.</p>
<p><button data-r="passed">Pass</button><button data-r="failed">Fail</button><button data-r="canceled">Cancel</button><button data-r="error">Error</button></p>
<p id="out" role="status"></p>
<script>
for (const b of document.querySelectorAll('button')) b.onclick = async () => {
  const r = await fetch('/sandbox/tokens/${escaped}/scan', {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({result: b.dataset.r})});
  document.getElementById('out').textContent = r.ok ? 'Scan: ' + b.dataset.r : 'Unknown or expired token';
};
</script></body></html>`;
}

export class IproovSandbox {
  readonly tokens = new Map<string, SandboxToken>();
  /** Enrolled user ids; kept under `dataDir` when one is given. */
  readonly enrolled = new Set<string>();
  private readonly accessTokens = new Set<string>();
  private faults: IproovFaults = {};
  private server?: Server;
  /** Saves in the order the enrolments changed, one at a time. */
  private saving: Promise<void> = Promise.resolve();
  url = '';

  constructor(private readonly options: IproovSandboxOptions) {}

  async start(port = 0): Promise<string> {
    await this.load();
    ({ server: this.server, url: this.url } = await listenOnLoopback(
      (req, res) => this.handle(req, res),
      port,
    ));
    return this.url;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
    await this.saving;
  }

  private get file(): string | undefined {
    return this.options.dataDir ? join(this.options.dataDir, IPROOV_SANDBOX_FILE) : undefined;
  }

  /** Reads the enrolments kept under `dataDir` (none yet: nothing to read). */
  private async load(): Promise<void> {
    const file = this.file;
    if (!file) return;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    let enrolled: unknown;
    try {
      enrolled = (JSON.parse(text) as { enrolled?: unknown }).enrolled;
    } catch {
      enrolled = undefined;
    }
    if (!Array.isArray(enrolled) || !enrolled.every((u) => typeof u === 'string')) {
      throw new Error(`iProov sandbox: ${file} is not a list of enrolments; move it away to start afresh`);
    }
    for (const userId of enrolled) this.enrolled.add(userId);
  }

  /**
   * Enrols or forgets a user, and keeps the enrolments under `dataDir`: written to a fresh 0600 file, then
   * renamed over the old one, so that a crash leaves the old list or the new one, never half of one.
   */
  private async setEnrolled(userId: string, enrolled: boolean): Promise<void> {
    if (enrolled) this.enrolled.add(userId);
    else this.enrolled.delete(userId);
    const file = this.file;
    const dir = this.options.dataDir;
    if (!file || !dir) return;
    const save = async (): Promise<void> => {
      await mkdir(dir, { recursive: true });
      const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await writeFile(temporary, JSON.stringify({ enrolled: [...this.enrolled] }), { mode: 0o600 });
        await rename(temporary, file);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    };
    const saved = this.saving.then(save, save);
    this.saving = saved.catch(() => undefined);
    await saved;
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

  /** Tokens enrolled from a reference photo. */
  imageEnrolments(): SandboxToken[] {
    return [...this.tokens.values()].filter((t) => t.fromImage);
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

    if (method === 'POST' && path === '/api/v2/claim/enrol/image') return this.enrolImage(req, res);

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
      if (passed && type === 'enrol') await this.setEnrolled(entry.userId, true);
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
        await this.setEnrolled(userId, false);
        return send(res, 200, { status: 'Deleted' });
      }
      return send(res, 200, { user_id: userId, status: 'Active' });
    }

    // Control API (and the stand-in SDK page).
    if (path.startsWith('/sandbox/'))
      for (const [name, value] of Object.entries(CONTROL_CORS)) res.setHeader(name, value);
    if (method === 'OPTIONS' && path.startsWith('/sandbox/')) {
      res.writeHead(204);
      return void res.end();
    }
    const page = /^\/sandbox\/scan\/([^/]+)$/.exec(path);
    if (method === 'GET' && page) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void res.end(scanPage(decodeURIComponent(page[1] ?? '')));
    }
    const scan = /^\/sandbox\/tokens\/([^/]+)\/scan$/.exec(path);
    if (method === 'POST' && scan) {
      const body = await readBody(req);
      const result = body.result ?? 'passed';
      if (result !== 'passed' && result !== 'failed' && result !== 'canceled' && result !== 'error')
        return error(res, 400, 'invalid_request', 'result must be passed, failed, canceled or error');
      const ok = this.scan(
        decodeURIComponent(scan[1] ?? ''),
        result,
        typeof body.reason === 'string' ? body.reason : undefined,
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

  /** `POST /claim/enrol/image`: enrols the token's user from a JPEG, consuming the enrol token. */
  private async enrolImage(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = await readMultipart(req);
    if (!form) return error(res, 400, 'invalid_request', 'Expected multipart/form-data');
    if (form.get('api_key') !== this.options.apiKey || form.get('secret') !== this.options.apiSecret)
      return error(res, 401, 'unauthorized_client', 'Invalid API key or secret');
    const token = form.get('token');
    const entry = typeof token === 'string' ? this.tokens.get(token) : undefined;
    if (entry?.type !== 'enrol' || entry.validated)
      return error(res, 400, 'invalid_token', 'Unknown or used enrol token');
    const source = form.get('source');
    if (source !== null && source !== 'oid' && source !== 'eid' && source !== 'selfie')
      return error(res, 400, 'invalid_request', 'source must be oid, eid or selfie');
    const image = form.get('image');
    if (!(image instanceof Blob)) return error(res, 400, 'invalid_request', 'image is required');
    if (image.size > MAX_IMAGE_BYTES) return error(res, 400, 'invalid_image', 'Image too large');
    const bytes = new Uint8Array(await image.arrayBuffer());
    if (bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff)
      return error(res, 400, 'invalid_image', 'Image is not a JPEG');
    entry.validated = true;
    entry.fromImage = true;
    await this.setEnrolled(entry.userId, true);
    return send(res, 200, { success: true, token: entry.token, type: 'enrol' });
  }
}

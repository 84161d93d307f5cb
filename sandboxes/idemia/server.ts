import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { closeServer, listenOnLoopback, readBody } from '../http.js';

/**
 * A stand-in for IDEMIA IPA and GIPS that speaks their wire protocol (seed 003, VENDORS.md): Cognito token,
 * create session, the user's start page, the end-of-process notification with IPA's retries, the redirect to
 * gotoUrl, GIPS identity and proof. A control API (`/sandbox/…`) lets tests play the user and inject faults.
 * Development and tests only.
 */
export interface IdemiaSandboxOptions {
  clientId: string;
  clientSecret: string;
  gipsApiKey: string;
  applicationId: string;
  /** Sessions not completed within this time end with HEARTBEAT_TIMEOUT (IPA: 30 minutes). */
  sessionTtlMs?: number;
  tokenTtlSeconds?: number;
  /** Delay between notification attempts (IPA: 1 s). */
  retryDelayMs?: number;
}

/** `mismatch`: verified, but the document's names are another person's (not the ones entered). */
export type UserOutcome = 'verified' | 'mismatch' | 'rejected' | 'error' | 'timeout';
const USER_OUTCOMES: readonly string[] = ['verified', 'mismatch', 'rejected', 'error', 'timeout'];
const LEVELS: readonly string[] = ['LOA0', 'LOA1', 'LOA2', 'LOA3', 'LOA4'];

export interface Delivery {
  attempt: number;
  status: number | 'network-error';
  at: string;
}

interface SandboxSession {
  sessionId: string;
  callbackUrl?: string;
  gotoUrl?: string;
  createdAt: number;
  state: 'CREATED' | 'COMPLETED' | 'ERROR' | 'HEARTBEAT_TIMEOUT';
  identityId?: string;
  deliveries: Delivery[];
  notification?: Record<string, unknown>;
}

export interface Faults {
  /** `down`: the token endpoint answers 503. */
  token?: 'ok' | 'down';
  /** `error`: GIPS answers 500; `slow`: GIPS answers after `slowMs`. */
  gips?: 'ok' | 'error' | 'slow';
  /** Fail this many GIPS requests with 503, then recover. */
  gipsFailures?: number;
  slowMs?: number;
}

export interface IdentityData {
  givenNames?: string;
  surname?: string;
  birthDate?: string;
  documentNumber?: string;
  expirationDate?: string;
  nationality?: string;
}

const DEFAULT_IDENTITY: Required<IdentityData> = {
  givenNames: 'Ada',
  surname: 'Lovelace',
  birthDate: '1990-12-10',
  documentNumber: 'X1234567',
  expirationDate: '2031-01-01',
  nationality: 'GBR',
};

/** The names of someone else than `identity`: what the "Name mismatch" button puts on the document. */
function mismatched(identity: IdentityData): IdentityData {
  const same = (a: string | undefined, b: string) => (a ?? '').trim().toLowerCase() === b.toLowerCase();
  const grace = same(identity.givenNames, 'Grace') || same(identity.surname, 'Hopper');
  return grace
    ? { ...identity, givenNames: 'Ada', surname: 'Lovelace' }
    : { ...identity, givenNames: 'Grace', surname: 'Hopper' };
}

const IDENTITY_FIELDS = [
  'givenNames',
  'surname',
  'birthDate',
  'documentNumber',
  'expirationDate',
  'nationality',
] as const;

/**
 * The document's data from a control request: a JSON `identity` object, or the start page's form fields
 * (`givenNames`, `surname`, `birthDate`). A string naming the bad field when it is not valid.
 */
function identityOf(body: Record<string, unknown>): IdentityData | string | undefined {
  const source =
    typeof body.identity === 'object' && body.identity !== null
      ? (body.identity as Record<string, unknown>)
      : body;
  const identity: IdentityData = {};
  for (const field of IDENTITY_FIELDS) {
    const value = source[field];
    if (value === undefined || (source === body && value === '')) continue;
    if (typeof value !== 'string' || value.trim() === '' || value.length > 100)
      return `${field} must be a non-empty text of at most 100 characters`;
    identity[field] = value.trim();
  }
  for (const field of ['birthDate', 'expirationDate'] as const) {
    const date = identity[field];
    if (date !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(date))))
      return `${field} must be a date (YYYY-MM-DD)`;
  }
  return Object.keys(identity).length > 0 ? identity : undefined;
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The user's start page: the names on the document (prefilled), and what the user does. */
function startPage(session: SandboxSession): string {
  const id = encodeURIComponent(session.sessionId);
  const action = `/sandbox/sessions/${id}/complete`;
  const field = (name: keyof IdentityData, label: string, type = 'text') =>
    `<p><label for="${name}">${label}</label><br><input id="${name}" name="${name}" type="${type}" required maxlength="100" value="${escapeHtml(DEFAULT_IDENTITY[name])}"></p>`;
  const button = (outcome: UserOutcome, label: string, loa?: string, novalidate = false) =>
    `<button name="outcome" value="${outcome}"${loa ? ` formaction="${action}?loa=${loa}"` : ''}${novalidate ? ' formnovalidate' : ''}>${label}</button>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>IDEMIA IPA sandbox</title><style>body{font:16px system-ui;max-width:32rem;margin:2rem auto;padding:0 1rem}button{margin:.25rem}fieldset{margin:1rem 0}</style></head>
<body><h1>IDEMIA IPA sandbox</h1><p>Session ${escapeHtml(session.sessionId)} (${session.state}). What does the user do?</p>
<form method="post" action="${action}">
<fieldset><legend>The identity document</legend>
<p>Proofline matches these names with the profile: enter the given and family names the user registered with.</p>
${field('givenNames', 'Given name(s)')}${field('surname', 'Family name')}${field('birthDate', 'Birth date', 'date')}
</fieldset>
<p>${button('verified', 'Verified, LOA2', 'LOA2')}${button('verified', 'Verified, LOA3', 'LOA3')}${button('verified', 'Verified, LOA1', 'LOA1')}</p>
<p>${button('mismatch', 'Name mismatch', 'LOA2')} (verified, but the document names someone else)</p>
<p>${button('rejected', 'Rejected document', undefined, true)}${button('error', 'Abort (ERROR)', undefined, true)}${button('timeout', 'Drop off (HEARTBEAT_TIMEOUT)', undefined, true)}</p>
</form></body></html>`;
}

function send(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const isBuffer = Buffer.isBuffer(body);
  res.writeHead(status, { 'content-type': isBuffer ? 'application/gzip' : 'application/json', ...headers });
  res.end(isBuffer ? body : JSON.stringify(body));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class IdemiaSandbox {
  readonly sessions = new Map<string, SandboxSession>();
  private readonly identities = new Map<string, Record<string, unknown>>();
  private readonly tokens = new Map<string, number>();
  private faults: Faults = {};
  /** Token requests answered, for tests of the client's cache. */
  tokenRequests = 0;
  private server?: Server;
  private sweeper?: NodeJS.Timeout;
  url = '';

  constructor(private readonly options: IdemiaSandboxOptions) {}

  async start(port = 0): Promise<string> {
    ({ server: this.server, url: this.url } = await listenOnLoopback(
      (req, res) => this.handle(req, res),
      port,
    ));
    this.sweeper = setInterval(() => this.expire(), 250);
    this.sweeper.unref();
    return this.url;
  }

  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    await closeServer(this.server);
  }

  /** The environment that points the real client at this sandbox. */
  env(): Record<string, string> {
    return {
      IDEMIA_COGNITO_URL: this.url,
      IDEMIA_CLIENT_ID: this.options.clientId,
      IDEMIA_CLIENT_SECRET: this.options.clientSecret,
      IDEMIA_SESSION_URL: `${this.url}/api/v1/sessions`,
      IDEMIA_IPA_START_URL: `${this.url}/api/v1/ipa/start`,
      IDEMIA_GIPS_URL: this.url,
      IDEMIA_GIPS_API_KEY: this.options.gipsApiKey,
      IDEMIA_APPLICATION_ID: this.options.applicationId,
    };
  }

  setFaults(faults: Faults): void {
    this.faults = { ...faults };
  }

  /** Plays the user: finishes the session and sends the end-of-process notification (with IPA's retries). */
  async complete(
    sessionId: string,
    outcome: UserOutcome,
    options: { loa?: string; identity?: IdentityData } = {},
  ) {
    const session = this.sessions.get(sessionId);
    if (!session) return undefined;
    if (session.state !== 'CREATED') return session;
    const notification: Record<string, unknown> = {
      applicationId: this.options.applicationId,
      sessionId,
      timestamp: Date.now() / 1000,
    };
    if (outcome === 'verified' || outcome === 'mismatch' || outcome === 'rejected') {
      const identityId = `gips-${randomUUID()}`;
      const verified = outcome !== 'rejected';
      const given = { ...DEFAULT_IDENTITY, ...options.identity };
      const data = outcome === 'mismatch' ? mismatched(given) : given;
      this.identities.set(identityId, {
        id: identityId,
        globalStatus: {
          id: identityId,
          status: verified ? 'VERIFIED' : 'NOT_VERIFIED',
          levelOfAssurance: verified ? (options.loa ?? 'LOA2') : 'LOA0',
          creationDateTime: new Date(session.createdAt).toISOString(),
          evaluationDateTime: new Date().toISOString(),
        },
        consents: [{ approved: true, type: 'PORTRAIT' }],
        portrait: {
          evidenceId: randomUUID(),
          evidenceStatus: { status: verified ? 'VERIFIED' : 'NOT_VERIFIED', strength: 'HIGH' },
        },
        idDocuments: [
          {
            evidenceId: randomUUID(),
            evidenceStatus: { status: verified ? 'VERIFIED' : 'INVALID' },
            idDocumentData: { ...data, documentType: 'PASSPORT' },
          },
        ],
      });
      session.identityId = identityId;
      session.state = 'COMPLETED';
      notification.identityId = identityId;
      notification.proofUrl = `${this.url}/gips/v1/identities/${identityId}/proof`;
    } else {
      session.state = outcome === 'error' ? 'ERROR' : 'HEARTBEAT_TIMEOUT';
      notification.status = session.state;
    }
    session.notification = notification;
    await this.deliver(session);
    return session;
  }

  /** Sends the session's notification again, as a network duplicate would. */
  async redeliver(sessionId: string): Promise<SandboxSession | undefined> {
    const session = this.sessions.get(sessionId);
    if (session?.notification) await this.deliver(session);
    return session;
  }

  private async deliver(session: SandboxSession): Promise<void> {
    if (!session.callbackUrl || !session.notification) return;
    for (let attempt = 1; attempt <= 3; attempt++) {
      let status: Delivery['status'];
      try {
        const response = await fetch(session.callbackUrl, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(session.notification),
          signal: AbortSignal.timeout(10_000),
        });
        status = response.status;
        await response.body?.cancel();
      } catch {
        status = 'network-error';
      }
      session.deliveries.push({ attempt, status, at: new Date().toISOString() });
      if (typeof status === 'number' && status >= 200 && status < 300) return;
      if (attempt < 3) await sleep(this.options.retryDelayMs ?? 1000);
    }
  }

  private expire(): void {
    const ttl = this.options.sessionTtlMs ?? 30 * 60_000;
    for (const session of this.sessions.values()) {
      if (session.state === 'CREATED' && Date.now() - session.createdAt > ttl) {
        void this.complete(session.sessionId, 'timeout');
      }
    }
  }

  private async gipsFault(res: ServerResponse): Promise<boolean> {
    if ((this.faults.gipsFailures ?? 0) > 0) {
      this.faults.gipsFailures = (this.faults.gipsFailures ?? 1) - 1;
      send(res, 503, { error: 'service_unavailable' });
      return true;
    }
    if (this.faults.gips === 'error') {
      send(res, 500, { error: 'internal_error' });
      return true;
    }
    if (this.faults.gips === 'slow') await sleep(this.faults.slowMs ?? 15_000);
    return false;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname;
    const method = req.method ?? 'GET';

    // Step 1: Cognito client-credentials token.
    if (method === 'POST' && path === '/oauth2/token') {
      if (this.faults.token === 'down') return send(res, 503, { error: 'unavailable' });
      const form = await readBody(req);
      if (form.grant_type !== 'client_credentials')
        return send(res, 400, { error: 'unsupported_grant_type' });
      if (form.client_id !== this.options.clientId || form.client_secret !== this.options.clientSecret) {
        return send(res, 400, { error: 'invalid_client' });
      }
      this.tokenRequests++;
      const token = randomBytes(24).toString('base64url');
      const expiresIn = this.options.tokenTtlSeconds ?? 3600;
      this.tokens.set(token, Date.now() + expiresIn * 1000);
      return send(res, 200, { access_token: token, expires_in: expiresIn, token_type: 'Bearer' });
    }

    // Step 2: create session.
    if (method === 'POST' && path === '/api/v1/sessions') {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const expiry = token ? this.tokens.get(token) : undefined;
      if (!expiry || expiry < Date.now()) return send(res, 401, { message: 'Unauthorized' });
      const body = await readBody(req);
      const sessionId = randomUUID();
      this.sessions.set(sessionId, {
        sessionId,
        ...(typeof body.callbackUrl === 'string' ? { callbackUrl: body.callbackUrl } : {}),
        ...(typeof body.gotoUrl === 'string' ? { gotoUrl: body.gotoUrl } : {}),
        createdAt: Date.now(),
        state: 'CREATED',
        deliveries: [],
      });
      return send(res, 200, { sessionId });
    }

    // Step 3: the user's start page, where the "user" picks what happens.
    if (method === 'GET' && path === '/api/v1/ipa/start') {
      const sessionId = url.searchParams.get('session-id') ?? '';
      const session = this.sessions.get(sessionId);
      if (!session) return send(res, 404, { message: 'Unknown session' });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(startPage(session));
      return;
    }

    // GIPS (step 5): identity and proof, with the GIPS-RS api key.
    const gips = /^\/gips\/v1\/identities\/([^/]+)(\/proof)?$/.exec(path);
    if (method === 'GET' && gips) {
      if (req.headers.apikey !== this.options.gipsApiKey) return send(res, 401, { error: 'invalid apikey' });
      if (await this.gipsFault(res)) return;
      const identity = this.identities.get(decodeURIComponent(gips[1] ?? ''));
      if (!identity) return send(res, 404, { error: 'identity not found' });
      if (gips[2]) return send(res, 200, gzipSync(Buffer.from(JSON.stringify({ identity, sandbox: true }))));
      return send(res, 200, identity);
    }

    // Control API for tests and the start page.
    const control = /^\/sandbox\/sessions\/([^/]+)\/(complete|redeliver)$/.exec(path);
    if (method === 'POST' && control) {
      const sessionId = decodeURIComponent(control[1] ?? '');
      const body = await readBody(req);
      const fromForm = (req.headers['content-type'] ?? '').includes('form');
      let session: SandboxSession | undefined;
      if (control[2] === 'complete') {
        // The start page posts its form here (the LOA in the button's query); tests post JSON.
        const outcome = body.outcome ?? 'verified';
        const loa = typeof body.loa === 'string' && body.loa ? body.loa : url.searchParams.get('loa');
        const identity = identityOf(body);
        if (typeof outcome !== 'string' || !USER_OUTCOMES.includes(outcome))
          return send(res, 400, { message: `outcome must be one of ${USER_OUTCOMES.join(', ')}` });
        if (loa && !LEVELS.includes(loa))
          return send(res, 400, { message: `loa must be one of ${LEVELS.join(', ')}` });
        if (typeof identity === 'string') return send(res, 400, { message: identity });
        session = await this.complete(sessionId, outcome as UserOutcome, {
          ...(loa ? { loa } : {}),
          ...(identity ? { identity } : {}),
        });
      } else {
        session = await this.redeliver(sessionId);
      }
      if (!session) return send(res, 404, { message: 'Unknown session' });
      if (fromForm && session.gotoUrl) return send(res, 303, undefined, { location: session.gotoUrl });
      if (fromForm) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          `<!doctype html><html><body><h1>Done</h1><p>Session ${session.sessionId}: ${session.state}. You can close this page and continue on your other device.</p></body></html>`,
        );
        return;
      }
      return send(res, 200, session);
    }
    if (method === 'GET' && path.startsWith('/sandbox/sessions/')) {
      const session = this.sessions.get(decodeURIComponent(path.slice('/sandbox/sessions/'.length)));
      return session ? send(res, 200, session) : send(res, 404, { message: 'Unknown session' });
    }
    if (method === 'GET' && path === '/sandbox/sessions') return send(res, 200, [...this.sessions.values()]);
    if (method === 'POST' && path === '/sandbox/tokens/revoke') {
      this.tokens.clear();
      return send(res, 200, { revoked: true });
    }
    if (method === 'POST' && path === '/sandbox/faults') {
      this.setFaults((await readBody(req)) as Faults);
      return send(res, 200, this.faults);
    }
    send(res, 404, { message: `No sandbox endpoint at ${method} ${path}` });
  }
}

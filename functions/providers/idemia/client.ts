import { callProvider, ProviderRequestError } from '../errors.js';
import type { IdemiaConfig } from './config.js';
import type { GipsIdentity } from './identity.js';

const PROVIDER = 'IDEMIA';
/** Renew the token this long before IDEMIA says it expires. */
const TOKEN_MARGIN_MS = 60_000;

interface CachedToken {
  accessToken: string;
  expiresAt: number;
}

/** Tokens are shared by every client of the same application in this process (warm Lambda invocations). */
const tokens = new Map<string, CachedToken>();

/**
 * The IDEMIA IPA integration (seed 003): step 1 token, step 2 session, step 3 user URL, step 5 identity and
 * proof. The payload of the end-of-process notification is never trusted: results come from GIPS.
 */
export class IdemiaClient {
  constructor(readonly config: IdemiaConfig) {}

  private get tokenKey(): string {
    return `${this.config.cognitoUrl}\u0000${this.config.clientId}`;
  }

  /** Step 1: client-credentials token from Cognito, cached until shortly before `expires_in`. */
  async accessToken(forceRefresh = false): Promise<string> {
    const cached = tokens.get(this.tokenKey);
    if (!forceRefresh && cached && cached.expiresAt - TOKEN_MARGIN_MS > Date.now()) return cached.accessToken;
    const response = await callProvider({
      provider: PROVIDER,
      what: 'token',
      url: `${this.config.cognitoUrl.replace(/\/$/, '')}/oauth2/token`,
      timeoutMs: this.config.timeoutMs,
      init: {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: this.config.clientId,
          client_secret: this.config.clientSecret,
        }),
      },
    });
    if (!response.ok) throw new ProviderRequestError(PROVIDER, response.status, 'token request refused');
    const body = (await response.json()) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string')
      throw new ProviderRequestError(PROVIDER, 502, 'token response without access_token');
    const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : 3600;
    tokens.set(this.tokenKey, { accessToken: body.access_token, expiresAt: Date.now() + expiresIn * 1000 });
    return body.access_token;
  }

  /** Step 2: creates an IPA session (expires after 30 minutes). A 401 refreshes the token once. */
  async createSession(urls: { callbackUrl?: string; gotoUrl?: string }): Promise<{ sessionId: string }> {
    for (const refresh of [false, true]) {
      const token = await this.accessToken(refresh);
      const response = await callProvider({
        provider: PROVIDER,
        what: 'create session',
        url: this.config.sessionUrl,
        timeoutMs: this.config.timeoutMs,
        init: {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify(urls),
        },
      });
      if (response.status === 401 && !refresh) {
        await response.body?.cancel();
        continue;
      }
      if (!response.ok) throw new ProviderRequestError(PROVIDER, response.status, 'create session refused');
      const body = (await response.json()) as { sessionId?: unknown };
      if (typeof body.sessionId !== 'string')
        throw new ProviderRequestError(PROVIDER, 502, 'session response without sessionId');
      return { sessionId: body.sessionId };
    }
    throw new ProviderRequestError(PROVIDER, 401, 'create session refused after a token refresh');
  }

  /** Step 3: the URL the user opens on their phone. */
  startUrl(sessionId: string): string {
    const url = new URL(this.config.ipaStartUrl);
    url.searchParams.set('session-id', sessionId);
    return url.toString();
  }

  private gipsHeaders(): Record<string, string> {
    return {
      'Content-Type': 'application/json',
      apikey: this.config.gipsApiKey,
      'Tenant-Role': 'RELYING_SERVICE',
    };
  }

  /** Step 5: the identity (LOA, attributes, evidence statuses) from GIPS. */
  async getIdentity(identityId: string): Promise<GipsIdentity> {
    const response = await callProvider({
      provider: PROVIDER,
      what: 'get identity',
      url: `${this.config.gipsUrl.replace(/\/$/, '')}/gips/v1/identities/${encodeURIComponent(identityId)}`,
      timeoutMs: this.config.timeoutMs,
      init: { method: 'GET', headers: this.gipsHeaders() },
    });
    if (!response.ok) throw new ProviderRequestError(PROVIDER, response.status, 'get identity refused');
    return (await response.json()) as GipsIdentity;
  }

  /** Step 5, option 1: the proof archive (`proof.tar.gz`). Only from the configured GIPS host. */
  async getProof(proofUrl: string): Promise<Buffer> {
    const url = new URL(proofUrl);
    if (url.origin !== new URL(this.config.gipsUrl).origin) {
      throw new ProviderRequestError(PROVIDER, 400, 'proof URL is not on the configured GIPS host');
    }
    const response = await callProvider({
      provider: PROVIDER,
      what: 'get proof',
      url: url.toString(),
      timeoutMs: this.config.timeoutMs,
      init: { method: 'GET', headers: this.gipsHeaders() },
    });
    if (!response.ok) throw new ProviderRequestError(PROVIDER, response.status, 'get proof refused');
    return Buffer.from(await response.arrayBuffer());
  }
}

/** Forgets cached tokens (tests). */
export function clearIdemiaTokenCache(): void {
  tokens.clear();
}

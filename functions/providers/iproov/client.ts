import { callProvider, ProviderRequestError } from '../errors.js';
import type { IproovConfig } from './config.js';

const PROVIDER = 'iProov';

export type ClaimType = 'enrol' | 'verify';
export type AssuranceType = 'genuine_presence' | 'liveness';

export interface ClaimedToken {
  token: string;
  user_id?: string;
  primary?: string;
  pod?: string;
  [key: string]: unknown;
}

/** iProov's validate response (VENDORS.md); `frame` and `reason` only when enabled for the service provider. */
export interface ValidateResponse {
  passed: boolean;
  token?: string;
  type?: string;
  frame_available?: boolean;
  frame?: string;
  reason?: string;
  assurance_type?: string;
  risk_profile?: string;
  signals?: Record<string, unknown>;
  [key: string]: unknown;
}

/** iProov errors answer `{error, error_description}`; the description is safe to show an operator. */
async function refused(response: Response, what: string): Promise<ProviderRequestError> {
  let detail = '';
  try {
    const body = (await response.json()) as { error?: unknown; error_description?: unknown };
    detail = [body.error, body.error_description].filter((v) => typeof v === 'string').join(': ');
  } catch {
    // not JSON
  }
  return new ProviderRequestError(
    PROVIDER,
    response.status,
    `${what} refused${detail ? ` (${detail})` : ''}`,
  );
}

let cachedToken: { key: string; value: string; expiresAt: number } | undefined;

/**
 * The iProov REST API v2: claim tokens and validate them server-side (API key + secret), and user management
 * with an OAuth client-credentials token (OAuth username/password). The browser's word is never trusted: a
 * result counts only once `validate` says `passed`.
 */
export class IproovClient {
  constructor(readonly config: IproovConfig) {}

  /** The platform the web SDK connects to (its `base_url`): the tenant, without `/api/v2`. */
  get platformUrl(): string {
    return this.config.baseUrl.replace(/\/api\/v2$/, '');
  }

  private async json(what: string, path: string, init: RequestInit): Promise<Response> {
    return callProvider({
      provider: PROVIDER,
      what,
      url: `${this.config.baseUrl}${path}`,
      timeoutMs: this.config.timeoutMs,
      init,
    });
  }

  /** Claims a token for the web/native SDK to run an enrolment or a verification. */
  async claimToken(
    type: ClaimType,
    request: {
      userId: string;
      assuranceType: AssuranceType;
      resource: string;
      client?: string;
      riskProfile?: string;
    },
  ): Promise<ClaimedToken> {
    const response = await this.json(`claim ${type} token`, `/claim/${type}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        api_key: this.config.apiKey,
        secret: this.config.apiSecret,
        resource: request.resource,
        client: request.client ?? 'proofline',
        user_id: request.userId,
        assurance_type: request.assuranceType,
        ...(request.riskProfile ? { risk_profile: request.riskProfile } : {}),
      }),
    });
    if (!response.ok) throw await refused(response, `claim ${type} token`);
    const body = (await response.json()) as ClaimedToken;
    if (typeof body.token !== 'string')
      throw new ProviderRequestError(PROVIDER, 502, 'token response without token');
    return body;
  }

  /**
   * Combined (seed 000): a verify token when iProov knows the user, else an enrol token. iProov refuses a verify
   * claim for a user it has not enrolled with 400, so that refusal means "enrol" (a misconfiguration then fails
   * the enrol claim as well). One call for an enrolled user, and no dependence on the user look-up API.
   */
  async claimVerifyOrEnrolToken(
    request: Parameters<IproovClient['claimToken']>[1],
  ): Promise<ClaimedToken & { type: ClaimType }> {
    try {
      return { ...(await this.claimToken('verify', request)), type: 'verify' };
    } catch (error) {
      if (!(error instanceof ProviderRequestError && error.status === 400)) throw error;
      return { ...(await this.claimToken('enrol', request)), type: 'enrol' };
    }
  }

  /** Validates a token server-side, once: the only source of truth for the result. */
  async validate(
    type: ClaimType,
    request: { userId: string; token: string; client?: string },
  ): Promise<ValidateResponse> {
    const response = await this.json(`validate ${type}`, `/claim/${type}/validate`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        api_key: this.config.apiKey,
        secret: this.config.apiSecret,
        user_id: request.userId,
        token: request.token,
        client: request.client ?? 'proofline',
      }),
    });
    if (!response.ok) throw await refused(response, `validate ${type}`);
    const body = (await response.json()) as ValidateResponse;
    if (typeof body.passed !== 'boolean')
      throw new ProviderRequestError(PROVIDER, 502, 'validate response without passed');
    return body;
  }

  /**
   * Enrols a reference photo against an enrol token (`POST /claim/enrol/image`, multipart: api_key, secret,
   * rotation, source, token, image): the user is then enrolled with that face and can be verified against it.
   * `source`: `oid` optical (a printed document's photo), `eid` electronic (a chip's), `selfie`.
   */
  async enrolImage(request: {
    token: string;
    jpeg: Uint8Array;
    source?: 'oid' | 'eid' | 'selfie';
  }): Promise<void> {
    const form = new FormData();
    form.set('api_key', this.config.apiKey);
    form.set('secret', this.config.apiSecret);
    form.set('rotation', '0');
    form.set('source', request.source ?? 'oid');
    form.set('token', request.token);
    form.set('image', new Blob([request.jpeg], { type: 'image/jpeg' }), 'image.jpg');
    const response = await this.json('enrol photo', '/claim/enrol/image', { method: 'POST', body: form });
    if (!response.ok) throw await refused(response, 'enrol photo');
    await response.body?.cancel();
  }

  /** OAuth client-credentials token for user management, cached until shortly before it expires. */
  async accessToken(): Promise<string> {
    const key = `${this.config.baseUrl}\u0000${this.config.oauthUsername}`;
    if (cachedToken && cachedToken.key === key && cachedToken.expiresAt > Date.now() + 60_000)
      return cachedToken.value;
    const basic = Buffer.from(`${this.config.oauthUsername}:${this.config.oauthPassword}`).toString('base64');
    const response = await this.json(
      'access token',
      `/${encodeURIComponent(this.config.apiKey)}/access_token`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${basic}` },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      },
    );
    if (!response.ok) throw await refused(response, 'access token');
    const body = (await response.json()) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string')
      throw new ProviderRequestError(PROVIDER, 502, 'no access_token');
    const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : 3600;
    cachedToken = { key, value: body.access_token, expiresAt: Date.now() + expiresIn * 1000 };
    return body.access_token;
  }

  /** Whether a user is enrolled (user management API); false when iProov does not know them. */
  async isEnrolled(userId: string): Promise<boolean> {
    const response = await this.json('look up user', `/users/${encodeURIComponent(userId)}`, {
      method: 'GET',
      headers: { Authorization: `Bearer ${await this.accessToken()}` },
    });
    if (response.status === 404) {
      await response.body?.cancel();
      return false;
    }
    if (!response.ok) throw await refused(response, 'look up user');
    await response.body?.cancel();
    return true;
  }

  /** Deletes a user's enrolment (liveness-only and reference-photo modes leave nothing behind). */
  async deleteUser(userId: string): Promise<void> {
    const response = await this.json('delete user', `/users/${encodeURIComponent(userId)}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${await this.accessToken()}` },
    });
    if (response.status === 404) {
      await response.body?.cancel();
      return;
    }
    if (!response.ok) throw await refused(response, 'delete user');
    await response.body?.cancel();
  }
}

/** Forgets the cached OAuth token (tests). */
export function clearIproovTokenCache(): void {
  cachedToken = undefined;
}

/**
 * Errors of the vendor clients. `ProviderUnavailableError` is transient (5XX, 429, timeout, network): the state
 * machines retry it with backoff (its name is an `ErrorEquals` value). `ProviderRequestError` is final: the
 * vendor refused the request (4XX) and retrying will not help.
 */
export class ProviderUnavailableError extends Error {
  readonly provider: string;
  constructor(provider: string, message: string, options?: ErrorOptions) {
    super(`${provider}: ${message}`, options);
    this.name = 'ProviderUnavailableError';
    this.provider = provider;
  }
}

export class ProviderRequestError extends Error {
  readonly provider: string;
  readonly status: number;
  constructor(provider: string, status: number, message: string, options?: ErrorOptions) {
    super(`${provider}: ${message} (HTTP ${status})`, options);
    this.name = 'ProviderRequestError';
    this.provider = provider;
    this.status = status;
  }
}

export interface HttpCall {
  provider: string;
  url: string;
  init: RequestInit;
  timeoutMs: number;
  what: string;
}

/**
 * One HTTP call to a vendor with a timeout; network failures, timeouts, 429 and 5XX become
 * ProviderUnavailableError, other non-2XX ProviderRequestError. Never includes bodies in messages (PII).
 */
export async function callProvider(call: HttpCall): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(call.url, { ...call.init, signal: AbortSignal.timeout(call.timeoutMs) });
  } catch (error) {
    const reason =
      error instanceof Error && error.name === 'TimeoutError'
        ? `timed out after ${call.timeoutMs} ms`
        : 'unreachable';
    throw new ProviderUnavailableError(call.provider, `${call.what}: ${reason}`, { cause: error });
  }
  if (response.status === 429 || response.status >= 500) {
    await response.body?.cancel();
    throw new ProviderUnavailableError(call.provider, `${call.what}: HTTP ${response.status}`);
  }
  return response;
}

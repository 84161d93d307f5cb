import { ProviderRequestError, ProviderUnavailableError } from '../errors.js';

/** An AWS call whose throttling and 5XX are transient (retried by the state machine), other errors final. */
export async function callAws<T>(service: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const meta =
      (error as { $metadata?: { httpStatusCode?: number }; $retryable?: unknown; name?: string }) ?? {};
    const status = meta.$metadata?.httpStatusCode ?? 0;
    if (status >= 500 || status === 429 || meta.$retryable || meta.name === 'ThrottlingException') {
      throw new ProviderUnavailableError(service, `${meta.name ?? 'error'} (HTTP ${status})`, {
        cause: error,
      });
    }
    throw new ProviderRequestError(service, status || 400, meta.name ?? 'request refused', { cause: error });
  }
}

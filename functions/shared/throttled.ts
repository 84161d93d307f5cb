/**
 * Too many attempts or messages for an account, a client address or a destination (throttling): the step is
 * not taken, the client gets 429 with Retry-After and may send the same step again after it. The wait rides
 * in the message (`retryAfterSeconds=N`), which is what survives a Step Functions execution failure.
 */
export class ThrottledError extends Error {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, options?: ErrorOptions) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super(`Too many attempts; try again later (retryAfterSeconds=${seconds})`, options);
    this.name = 'ThrottledError';
    this.retryAfterSeconds = seconds;
  }
}

/** The wait a ThrottledError carried, read back from an execution failure's message or cause. */
export function retryAfterOf(text: string | undefined): number | undefined {
  const match = /retryAfterSeconds=(\d{1,7})/.exec(text ?? '');
  return match ? Number(match[1]) : undefined;
}

/** Errors of the journey protocol; the API maps each to AM's error shape and HTTP status. */

/** The authId is malformed, forged, expired or already used (AM: 401). */
export class InvalidAuthIdError extends Error {
  constructor(message = 'Invalid or expired authId: start the journey again', options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidAuthIdError';
  }
}

/** Another submission of the same step is being processed (409). */
export class StepConflictError extends Error {
  constructor(message = 'This step is already being processed by another request', options?: ErrorOptions) {
    super(message, options);
    this.name = 'StepConflictError';
  }
}

/** The request does not fit the journey protocol: bad callbacks, unknown journey, wrong realm (400). */
export class JourneyRequestError extends Error {
  readonly statusCode: 400 | 404;
  constructor(message: string, statusCode: 400 | 404 = 400, options?: ErrorOptions) {
    super(message, options);
    this.name = 'JourneyRequestError';
    this.statusCode = statusCode;
  }
}

/** Too many attempts (throttling): AM-shaped 429 with Retry-After; the same step may be sent again after it. */
export class TooManyRequestsError extends Error {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, options?: ErrorOptions) {
    super('Too many attempts: try again later', options);
    this.name = 'TooManyRequestsError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * The step could not be run for now — the execution timed out, a node function failed or timed out, a vendor
 * stayed unavailable, the Step Functions API throttled — though nothing is wrong with the journey or the request:
 * AM-shaped 503 with Retry-After; the same step (same authId) may be sent again after it.
 */
export class ServiceUnavailableError extends Error {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, options?: ErrorOptions) {
    super('The service is temporarily unavailable: send the same step again later', options);
    this.name = 'ServiceUnavailableError';
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}

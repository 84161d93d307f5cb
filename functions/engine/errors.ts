/** Errors of the journey protocol; the API maps each to AM's error shape and HTTP status. */

/** The authId is malformed, forged, expired or already used (AM: 401). */
export class InvalidAuthIdError extends Error {
  constructor(message = 'Invalid or expired authId: start the journey again', options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidAuthIdError';
  }
}

/** The journey ended in failure before any step (e.g. it needs a signed-in user): AM's 401 Login failure. */
export class JourneyFailedError extends Error {
  constructor(options?: ErrorOptions) {
    super('Login failure', options);
    this.name = 'JourneyFailedError';
  }
}

/** The `suspendedId` of a resume link is malformed, forged, expired or already used (AM: 401). */
export class InvalidSuspendedIdError extends Error {
  constructor(options?: ErrorOptions) {
    super('This link is invalid, expired or already used: start again', options);
    this.name = 'InvalidSuspendedIdError';
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

/** The step was not taken; the same step (same authId) may be sent again after `retryAfterSeconds`. */
export abstract class RetryLaterError extends Error {
  abstract readonly statusCode: 429 | 503;
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number, options?: ErrorOptions) {
    super(message, options);
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}

/** Too many attempts (throttling): AM-shaped 429 with Retry-After. */
export class TooManyRequestsError extends RetryLaterError {
  readonly statusCode = 429;
  constructor(retryAfterSeconds: number, options?: ErrorOptions) {
    super('Too many attempts: try again later', retryAfterSeconds, options);
    this.name = 'TooManyRequestsError';
  }
}

/**
 * The step could not be run for now — the execution timed out, a node function failed or timed out, a vendor
 * stayed unavailable, the Step Functions API throttled — though nothing is wrong with the journey or the request:
 * AM-shaped 503 with Retry-After.
 */
export class ServiceUnavailableError extends RetryLaterError {
  readonly statusCode = 503;
  constructor(retryAfterSeconds: number, options?: ErrorOptions) {
    super(
      'The service is temporarily unavailable: send the same step again later',
      retryAfterSeconds,
      options,
    );
    this.name = 'ServiceUnavailableError';
  }
}

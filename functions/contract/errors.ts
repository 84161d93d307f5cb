/**
 * Errors a node may throw. Their names are the `ErrorEquals` values in `statemachines/`; anything else a node
 * meets (a client's mistake, a wrong password) is an outcome, not an error.
 */

/** A journey is wired wrongly: unknown node type, invalid config, or a node run without the state it needs. */
export class JourneyConfigurationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'JourneyConfigurationError';
  }
}

/**
 * The journey needs a signed-in (identified) user and has none: a journey that only works after a sign-in (an inner
 * journey such as ProgressiveProfile) was started on its own. A client's doing, not a fault: the journey fails
 * (AM's 401), it is not a 5XX.
 */
export class NoIdentifiedUserError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NoIdentifiedUserError';
  }
}

/**
 * The names the state machines may route on (checked by the journey lint test); ProviderUnavailableError is
 * defined in functions/providers/errors.ts, ThrottledError in functions/shared/throttled.ts.
 */
export const NODE_ERROR_NAMES = [
  'JourneyConfigurationError',
  'ProviderUnavailableError',
  'ThrottledError',
  'NoIdentifiedUserError',
] as const;

/** A unique attribute (userName or mail) is already taken by another user. */
export class UniqueConstraintError extends Error {
  readonly attribute: 'userName' | 'mail';
  constructor(attribute: 'userName' | 'mail', options?: ErrorOptions) {
    super(`A user with this ${attribute} already exists`, options);
    this.name = 'UniqueConstraintError';
    this.attribute = attribute;
  }
}

/** A conditional write lost a race: someone else changed the item first. */
export class ConcurrentUpdateError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConcurrentUpdateError';
  }
}

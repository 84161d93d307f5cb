/**
 * Errors shared across areas. Error names are a contract: the ones thrown inside node handlers are the
 * `ErrorEquals` values of the state machines (a lint test keeps both sides in step).
 */
export class ConfigurationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigurationError';
  }
}

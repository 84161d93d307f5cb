/** An error with an HTTP status, rendered in AM's error shape. Only `expose`d messages reach the client. */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly expose: boolean;
  readonly detail?: Record<string, unknown>;
  constructor(
    statusCode: number,
    message: string,
    options: ErrorOptions & { expose?: boolean; detail?: Record<string, unknown> } = {},
  ) {
    super(message, options);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.expose = options.expose ?? statusCode < 500;
    if (options.detail) this.detail = options.detail;
  }
}

export const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * Base of every domain error. A domain declares a string enum of codes (`MAIL_ACCOUNT_AUTH_FAILED`…) and a
 * subclass; `AllExceptionsFilter` maps each code to an HTTP status through `ERROR_STATUS`.
 */
export abstract class AppError<Code extends string = string> extends Error {
  /** Sent as `Retry-After` (seconds) when set: lockouts, quotas that refill. */
  retryAfterSeconds?: number;

  protected constructor(
    readonly code: Code,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }

  withRetryAfter(seconds: number): this {
    this.retryAfterSeconds = Math.max(1, Math.ceil(seconds));
    return this;
  }
}

/** Codes of the platform itself; domains add their own enums next to their modules. */
export enum PlatformErrorCode {
  BadRequest = 'BAD_REQUEST',
  ValidationFailed = 'VALIDATION_FAILED',
  Unauthorized = 'UNAUTHORIZED',
  Forbidden = 'FORBIDDEN',
  NotFound = 'NOT_FOUND',
  RouteNotFound = 'ROUTE_NOT_FOUND',
  MethodNotAllowed = 'METHOD_NOT_ALLOWED',
  Conflict = 'CONFLICT',
  RequestTimeout = 'REQUEST_TIMEOUT',
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  UriTooLong = 'URI_TOO_LONG',
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  RateLimited = 'RATE_LIMITED',
  HeadersTooLarge = 'HEADERS_TOO_LARGE',
  ServiceUnavailable = 'SERVICE_UNAVAILABLE',
  Internal = 'INTERNAL',
}

export class PlatformError extends AppError<PlatformErrorCode> {
  constructor(code: PlatformErrorCode, message: string, details?: unknown) {
    super(code, message, details);
  }
}

/** One field that failed validation: its dotted path and every rule it broke. */
export interface FieldError {
  field: string;
  errors: string[];
}

import { HttpStatus } from '@nestjs/common';

/**
 * Base of every domain error. A domain declares a string enum of codes (`MAIL_ACCOUNT_AUTH_FAILED`…), a table of
 * their HTTP statuses typed `Record<Code, HttpStatus>` (so a code without a status does not compile) and a
 * subclass carrying that table as `static readonly statuses`; `AllExceptionsFilter` answers with `error.status`.
 * A class without its own table answers 500, which the registry test (`domain-registry.e2e-spec.ts`) refuses.
 */
export abstract class AppError<Code extends string = string> extends Error {
  /** HTTP status of each code of this class. Every subclass declares its own. */
  static readonly statuses: Readonly<Record<string, HttpStatus>> = {};

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

  /** This error's HTTP status, from its class's table (500 when the class declares none for the code). */
  get status(): HttpStatus {
    const table = (this.constructor as unknown as AppErrorClass).statuses;
    return Object.prototype.hasOwnProperty.call(table, this.code) ? table[this.code] : 500;
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

/** An error class, as a domain definition lists it: its table of statuses and its name. */
export interface AppErrorClass {
  readonly name: string;
  readonly statuses: Readonly<Record<string, HttpStatus>>;
  readonly prototype: AppError;
}

export class PlatformError extends AppError<PlatformErrorCode> {
  static override readonly statuses: Readonly<Record<PlatformErrorCode, HttpStatus>> = {
    [PlatformErrorCode.BadRequest]: HttpStatus.BAD_REQUEST,
    [PlatformErrorCode.ValidationFailed]: HttpStatus.BAD_REQUEST,
    [PlatformErrorCode.Unauthorized]: HttpStatus.UNAUTHORIZED,
    [PlatformErrorCode.Forbidden]: HttpStatus.FORBIDDEN,
    [PlatformErrorCode.NotFound]: HttpStatus.NOT_FOUND,
    [PlatformErrorCode.RouteNotFound]: HttpStatus.NOT_FOUND,
    [PlatformErrorCode.MethodNotAllowed]: HttpStatus.METHOD_NOT_ALLOWED,
    [PlatformErrorCode.Conflict]: HttpStatus.CONFLICT,
    [PlatformErrorCode.RequestTimeout]: HttpStatus.REQUEST_TIMEOUT,
    [PlatformErrorCode.PayloadTooLarge]: HttpStatus.PAYLOAD_TOO_LARGE,
    [PlatformErrorCode.UriTooLong]: HttpStatus.URI_TOO_LONG,
    [PlatformErrorCode.UnsupportedMediaType]: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    [PlatformErrorCode.RateLimited]: HttpStatus.TOO_MANY_REQUESTS,
    [PlatformErrorCode.HeadersTooLarge]: 431 as HttpStatus, // Request Header Fields Too Large; not in Nest's enum
    [PlatformErrorCode.ServiceUnavailable]: HttpStatus.SERVICE_UNAVAILABLE,
    [PlatformErrorCode.Internal]: HttpStatus.INTERNAL_SERVER_ERROR,
  };
  constructor(code: PlatformErrorCode, message: string, details?: unknown) {
    super(code, message, details);
  }
}

/** One field that failed validation: its dotted path and every rule it broke. */
export interface FieldError {
  field: string;
  errors: string[];
}

import { HttpStatus } from '@nestjs/common';
import { PlatformErrorCode } from './app-error';

/**
 * HTTP status of every error code. Typed as a `Record` over each code enum, so adding a code without a status
 * does not compile. Domains spread their own tables in here.
 */
const PLATFORM_STATUS: Record<PlatformErrorCode, HttpStatus> = {
  [PlatformErrorCode.BadRequest]: HttpStatus.BAD_REQUEST,
  [PlatformErrorCode.ValidationFailed]: HttpStatus.BAD_REQUEST,
  [PlatformErrorCode.Unauthorized]: HttpStatus.UNAUTHORIZED,
  [PlatformErrorCode.Forbidden]: HttpStatus.FORBIDDEN,
  [PlatformErrorCode.NotFound]: HttpStatus.NOT_FOUND,
  [PlatformErrorCode.RouteNotFound]: HttpStatus.NOT_FOUND,
  [PlatformErrorCode.MethodNotAllowed]: HttpStatus.METHOD_NOT_ALLOWED,
  [PlatformErrorCode.Conflict]: HttpStatus.CONFLICT,
  [PlatformErrorCode.PayloadTooLarge]: HttpStatus.PAYLOAD_TOO_LARGE,
  [PlatformErrorCode.UnsupportedMediaType]: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  [PlatformErrorCode.RateLimited]: HttpStatus.TOO_MANY_REQUESTS,
  [PlatformErrorCode.ServiceUnavailable]: HttpStatus.SERVICE_UNAVAILABLE,
  [PlatformErrorCode.Internal]: HttpStatus.INTERNAL_SERVER_ERROR,
};

export const ERROR_STATUS: Readonly<Record<string, HttpStatus>> = {
  ...PLATFORM_STATUS,
};

/** Code used for a bare HTTP status (Nest's built-in exceptions, Fastify's own errors). */
export function codeForStatus(status: number): PlatformErrorCode {
  switch (status) {
    case 400:
      return PlatformErrorCode.BadRequest;
    case 401:
      return PlatformErrorCode.Unauthorized;
    case 403:
      return PlatformErrorCode.Forbidden;
    case 404:
      return PlatformErrorCode.NotFound;
    case 405:
      return PlatformErrorCode.MethodNotAllowed;
    case 409:
      return PlatformErrorCode.Conflict;
    case 413:
      return PlatformErrorCode.PayloadTooLarge;
    case 415:
      return PlatformErrorCode.UnsupportedMediaType;
    case 429:
      return PlatformErrorCode.RateLimited;
    case 503:
      return PlatformErrorCode.ServiceUnavailable;
    default:
      return status >= 500 ? PlatformErrorCode.Internal : PlatformErrorCode.BadRequest;
  }
}

import { PlatformError, PlatformErrorCode } from './app-error';

/** Status → the first platform code declared for it (BAD_REQUEST before VALIDATION_FAILED, NOT_FOUND before ROUTE_NOT_FOUND). */
const CODE_FOR_STATUS = new Map<number, PlatformErrorCode>();
for (const [code, status] of Object.entries(PlatformError.statuses) as [PlatformErrorCode, number][]) {
  if (!CODE_FOR_STATUS.has(status)) {
    CODE_FOR_STATUS.set(status, code);
  }
}

/** Code used for a bare HTTP status (Nest's built-in exceptions, Fastify's own errors). */
export function codeForStatus(status: number): PlatformErrorCode {
  return CODE_FOR_STATUS.get(status) ?? (status >= 500 ? PlatformErrorCode.Internal : PlatformErrorCode.BadRequest);
}

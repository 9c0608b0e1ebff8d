import { HttpStatus } from '@nestjs/common';
import { AUTH_ERROR_STATUS } from 'src/modules/auth/auth.errors';
import { CHAT_ERROR_STATUS } from 'src/modules/chat/chat.errors';
import { CHAT_IMPORT_ERROR_STATUS } from 'src/modules/chat/import/chat-import.errors';
import { CALL_ERROR_STATUS } from 'src/modules/meetings/calls/calls.errors';
import { MEETING_ERROR_STATUS } from 'src/modules/meetings/meetings.errors';
import { MAIL_ERROR_STATUS } from 'src/modules/mail/mail.errors';
import { NOTIFICATION_ERROR_STATUS } from 'src/modules/notifications/notifications.errors';
import { ORG_ERROR_STATUS } from 'src/modules/organizations/organizations.errors';
import { REPORT_ERROR_STATUS } from 'src/modules/reports/reports.errors';
import { SETTINGS_ERROR_STATUS } from 'src/modules/settings/settings.errors';
import { USER_ERROR_STATUS } from 'src/modules/users/users.errors';
import { WEBHOOK_ERROR_STATUS } from 'src/modules/webhooks/webhooks.errors';
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
  [PlatformErrorCode.RequestTimeout]: HttpStatus.REQUEST_TIMEOUT,
  [PlatformErrorCode.PayloadTooLarge]: HttpStatus.PAYLOAD_TOO_LARGE,
  [PlatformErrorCode.UriTooLong]: HttpStatus.URI_TOO_LONG,
  [PlatformErrorCode.UnsupportedMediaType]: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  [PlatformErrorCode.RateLimited]: HttpStatus.TOO_MANY_REQUESTS,
  [PlatformErrorCode.HeadersTooLarge]: 431 as HttpStatus, // Request Header Fields Too Large; not in Nest's enum
  [PlatformErrorCode.ServiceUnavailable]: HttpStatus.SERVICE_UNAVAILABLE,
  [PlatformErrorCode.Internal]: HttpStatus.INTERNAL_SERVER_ERROR,
};

export const ERROR_STATUS: Readonly<Record<string, HttpStatus>> = {
  ...PLATFORM_STATUS,
  ...AUTH_ERROR_STATUS,
  ...USER_ERROR_STATUS,
  ...ORG_ERROR_STATUS,
  ...WEBHOOK_ERROR_STATUS,
  ...SETTINGS_ERROR_STATUS,
  ...MAIL_ERROR_STATUS,
  ...CHAT_ERROR_STATUS,
  ...CHAT_IMPORT_ERROR_STATUS,
  ...NOTIFICATION_ERROR_STATUS,
  ...REPORT_ERROR_STATUS,
  ...MEETING_ERROR_STATUS,
  ...CALL_ERROR_STATUS,
};

/** Status → the first platform code declared for it (BAD_REQUEST before VALIDATION_FAILED, NOT_FOUND before ROUTE_NOT_FOUND). */
const CODE_FOR_STATUS = new Map<number, PlatformErrorCode>();
for (const [code, status] of Object.entries(PLATFORM_STATUS) as [PlatformErrorCode, HttpStatus][]) {
  if (!CODE_FOR_STATUS.has(status)) {
    CODE_FOR_STATUS.set(status, code);
  }
}

/** Code used for a bare HTTP status (Nest's built-in exceptions, Fastify's own errors). */
export function codeForStatus(status: number): PlatformErrorCode {
  return CODE_FOR_STATUS.get(status) ?? (status >= 500 ? PlatformErrorCode.Internal : PlatformErrorCode.BadRequest);
}

import { HttpStatus } from '@nestjs/common';
import { AppError } from 'src/common/errors/app-error';

export enum NotificationErrorCode {
  NotFound = 'NOTIFICATION_NOT_FOUND',
  InvalidCursor = 'NOTIFICATION_INVALID_CURSOR',
}

export const NOTIFICATION_ERROR_STATUS: Record<NotificationErrorCode, HttpStatus> = {
  [NotificationErrorCode.NotFound]: HttpStatus.NOT_FOUND,
  [NotificationErrorCode.InvalidCursor]: HttpStatus.BAD_REQUEST,
};

export class NotificationError extends AppError<NotificationErrorCode> {
  static override readonly statuses = NOTIFICATION_ERROR_STATUS;

  constructor(code: NotificationErrorCode, message: string, details?: unknown) {
    super(code, message, details);
  }
}

/** A list cursor this API did not hand out. */
export const invalidCursor = (): NotificationError =>
  new NotificationError(NotificationErrorCode.InvalidCursor, 'cursor is not one returned by this list', {
    field: 'cursor',
  });

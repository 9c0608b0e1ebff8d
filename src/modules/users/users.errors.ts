import { HttpStatus } from '@nestjs/common';
import { AppError } from 'src/common/errors/app-error';

export enum UserErrorCode {
  NotFound = 'USER_NOT_FOUND',
  QuotaExceeded = 'QUOTA_EXCEEDED',
  LastAdmin = 'USER_LAST_ADMIN',
}

export const USER_ERROR_STATUS: Record<UserErrorCode, HttpStatus> = {
  [UserErrorCode.NotFound]: HttpStatus.NOT_FOUND,
  [UserErrorCode.QuotaExceeded]: HttpStatus.FORBIDDEN,
  [UserErrorCode.LastAdmin]: HttpStatus.CONFLICT,
};

export class UserError extends AppError<UserErrorCode> {
  static override readonly statuses = USER_ERROR_STATUS;

  constructor(code: UserErrorCode, message: string, details?: unknown) {
    super(code, message, details);
  }
}

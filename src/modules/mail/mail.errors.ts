import { HttpStatus } from '@nestjs/common';
import { AppError } from 'src/common/errors/app-error';

export enum MailErrorCode {
  AccountNotFound = 'MAIL_ACCOUNT_NOT_FOUND',
  AccountExists = 'MAIL_ACCOUNT_EXISTS',
  ConnectionFailed = 'MAIL_CONNECTION_FAILED',
  InsecureRefused = 'MAIL_INSECURE_REFUSED',
  PasswordMissing = 'MAIL_PASSWORD_MISSING',
  MessageNotFound = 'MAIL_MESSAGE_NOT_FOUND',
  InvalidCursor = 'MAIL_INVALID_CURSOR',
  FolderNotFound = 'MAIL_FOLDER_NOT_FOUND',
  ServerUnavailable = 'MAIL_SERVER_UNAVAILABLE',
  AttachmentNotFound = 'MAIL_ATTACHMENT_NOT_FOUND',
  MessageGone = 'MAIL_MESSAGE_GONE',
}

export const MAIL_ERROR_STATUS: Record<MailErrorCode, HttpStatus> = {
  [MailErrorCode.AccountNotFound]: HttpStatus.NOT_FOUND,
  [MailErrorCode.AccountExists]: HttpStatus.CONFLICT,
  [MailErrorCode.ConnectionFailed]: HttpStatus.UNPROCESSABLE_ENTITY,
  [MailErrorCode.InsecureRefused]: HttpStatus.BAD_REQUEST,
  [MailErrorCode.PasswordMissing]: HttpStatus.BAD_REQUEST,
  [MailErrorCode.MessageNotFound]: HttpStatus.NOT_FOUND,
  [MailErrorCode.InvalidCursor]: HttpStatus.BAD_REQUEST,
  [MailErrorCode.FolderNotFound]: HttpStatus.NOT_FOUND,
  [MailErrorCode.ServerUnavailable]: HttpStatus.BAD_GATEWAY,
  [MailErrorCode.AttachmentNotFound]: HttpStatus.NOT_FOUND,
  [MailErrorCode.MessageGone]: HttpStatus.GONE,
};

export class MailError extends AppError<MailErrorCode> {
  constructor(code: MailErrorCode, message: string, details?: unknown) {
    super(code, message, details);
  }
}

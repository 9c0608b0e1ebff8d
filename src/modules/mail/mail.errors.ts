import { HttpStatus } from '@nestjs/common';
import { AppError } from 'src/common/errors/app-error';

export enum MailErrorCode {
  AccountNotFound = 'MAIL_ACCOUNT_NOT_FOUND',
  AccountExists = 'MAIL_ACCOUNT_EXISTS',
  ConnectionFailed = 'MAIL_CONNECTION_FAILED',
  InsecureRefused = 'MAIL_INSECURE_REFUSED',
  HostNotAllowed = 'MAIL_HOST_NOT_ALLOWED',
  PasswordMissing = 'MAIL_PASSWORD_MISSING',
  MessageNotFound = 'MAIL_MESSAGE_NOT_FOUND',
  InvalidCursor = 'MAIL_INVALID_CURSOR',
  FolderNotFound = 'MAIL_FOLDER_NOT_FOUND',
  ServerUnavailable = 'MAIL_SERVER_UNAVAILABLE',
  AttachmentNotFound = 'MAIL_ATTACHMENT_NOT_FOUND',
  MessageGone = 'MAIL_MESSAGE_GONE',
  SubmissionNotFound = 'MAIL_SUBMISSION_NOT_FOUND',
  NotCancellable = 'MAIL_SUBMISSION_NOT_CANCELLABLE',
  DraftNotFound = 'MAIL_DRAFT_NOT_FOUND',
  NoDraftsFolder = 'MAIL_NO_DRAFTS_FOLDER',
  IdempotencyKeyReused = 'MAIL_IDEMPOTENCY_KEY_REUSED',
  NoRecipients = 'MAIL_NO_RECIPIENTS',
  InvalidSendAt = 'MAIL_INVALID_SEND_AT',
  UploadNotFound = 'MAIL_UPLOAD_NOT_FOUND',
  UploadInvalid = 'MAIL_UPLOAD_INVALID',
  AttachmentTooLarge = 'MAIL_ATTACHMENT_TOO_LARGE',
  SendRateLimited = 'MAIL_SEND_RATE_LIMITED',
}

export const MAIL_ERROR_STATUS: Record<MailErrorCode, HttpStatus> = {
  [MailErrorCode.AccountNotFound]: HttpStatus.NOT_FOUND,
  [MailErrorCode.AccountExists]: HttpStatus.CONFLICT,
  [MailErrorCode.ConnectionFailed]: HttpStatus.UNPROCESSABLE_ENTITY,
  [MailErrorCode.InsecureRefused]: HttpStatus.BAD_REQUEST,
  [MailErrorCode.HostNotAllowed]: HttpStatus.BAD_REQUEST,
  [MailErrorCode.PasswordMissing]: HttpStatus.BAD_REQUEST,
  [MailErrorCode.MessageNotFound]: HttpStatus.NOT_FOUND,
  [MailErrorCode.InvalidCursor]: HttpStatus.BAD_REQUEST,
  [MailErrorCode.FolderNotFound]: HttpStatus.NOT_FOUND,
  [MailErrorCode.ServerUnavailable]: HttpStatus.BAD_GATEWAY,
  [MailErrorCode.AttachmentNotFound]: HttpStatus.NOT_FOUND,
  [MailErrorCode.MessageGone]: HttpStatus.GONE,
  [MailErrorCode.SubmissionNotFound]: HttpStatus.NOT_FOUND,
  [MailErrorCode.NotCancellable]: HttpStatus.CONFLICT,
  [MailErrorCode.DraftNotFound]: HttpStatus.NOT_FOUND,
  [MailErrorCode.NoDraftsFolder]: HttpStatus.CONFLICT,
  [MailErrorCode.IdempotencyKeyReused]: HttpStatus.UNPROCESSABLE_ENTITY,
  [MailErrorCode.NoRecipients]: HttpStatus.BAD_REQUEST,
  [MailErrorCode.InvalidSendAt]: HttpStatus.BAD_REQUEST,
  [MailErrorCode.UploadNotFound]: HttpStatus.NOT_FOUND,
  [MailErrorCode.UploadInvalid]: HttpStatus.BAD_REQUEST,
  [MailErrorCode.AttachmentTooLarge]: HttpStatus.PAYLOAD_TOO_LARGE,
  [MailErrorCode.SendRateLimited]: HttpStatus.TOO_MANY_REQUESTS,
};

export class MailError extends AppError<MailErrorCode> {
  static override readonly statuses = MAIL_ERROR_STATUS;

  constructor(code: MailErrorCode, message: string, details?: unknown) {
    super(code, message, details);
  }
}

/** A list cursor this API did not hand out. */
export const invalidCursor = (): MailError =>
  new MailError(MailErrorCode.InvalidCursor, 'cursor is not one returned by this list', { field: 'cursor' });

import { HttpStatus } from '@nestjs/common';
import { AppError } from 'src/common/errors/app-error';

export enum ChatErrorCode {
  ConversationNotFound = 'CHAT_CONVERSATION_NOT_FOUND',
  MessageNotFound = 'CHAT_MESSAGE_NOT_FOUND',
  NotOrgMember = 'CHAT_NOT_ORG_MEMBER',
  InvalidParticipants = 'CHAT_INVALID_PARTICIPANTS',
  NotGroup = 'CHAT_NOT_GROUP',
  AdminRequired = 'CHAT_ADMIN_REQUIRED',
  NotAuthor = 'CHAT_NOT_AUTHOR',
  MessageDeleted = 'CHAT_MESSAGE_DELETED',
  ReplyNotInConversation = 'CHAT_REPLY_NOT_IN_CONVERSATION',
  AlreadyMember = 'CHAT_ALREADY_MEMBER',
  NotMember = 'CHAT_NOT_MEMBER',
  InvalidCursor = 'CHAT_INVALID_CURSOR',
  UploadInvalid = 'CHAT_UPLOAD_INVALID',
  AttachmentTooLarge = 'CHAT_ATTACHMENT_TOO_LARGE',
  AttachmentInvalid = 'CHAT_ATTACHMENT_INVALID',
  AttachmentNotFound = 'CHAT_ATTACHMENT_NOT_FOUND',
  SendRateLimited = 'CHAT_SEND_RATE_LIMITED',
  /** An imported conversation: its history cannot be added to, edited or deleted from. */
  ReadOnly = 'CHAT_CONVERSATION_READ_ONLY',
}

export const CHAT_ERROR_STATUS: Record<ChatErrorCode, HttpStatus> = {
  [ChatErrorCode.ConversationNotFound]: HttpStatus.NOT_FOUND,
  [ChatErrorCode.MessageNotFound]: HttpStatus.NOT_FOUND,
  [ChatErrorCode.NotOrgMember]: HttpStatus.BAD_REQUEST,
  [ChatErrorCode.InvalidParticipants]: HttpStatus.BAD_REQUEST,
  [ChatErrorCode.NotGroup]: HttpStatus.CONFLICT,
  [ChatErrorCode.AdminRequired]: HttpStatus.FORBIDDEN,
  [ChatErrorCode.NotAuthor]: HttpStatus.FORBIDDEN,
  [ChatErrorCode.MessageDeleted]: HttpStatus.GONE,
  [ChatErrorCode.ReplyNotInConversation]: HttpStatus.BAD_REQUEST,
  [ChatErrorCode.AlreadyMember]: HttpStatus.CONFLICT,
  [ChatErrorCode.NotMember]: HttpStatus.NOT_FOUND,
  [ChatErrorCode.InvalidCursor]: HttpStatus.BAD_REQUEST,
  [ChatErrorCode.UploadInvalid]: HttpStatus.BAD_REQUEST,
  [ChatErrorCode.AttachmentTooLarge]: HttpStatus.PAYLOAD_TOO_LARGE,
  [ChatErrorCode.AttachmentInvalid]: HttpStatus.BAD_REQUEST,
  [ChatErrorCode.AttachmentNotFound]: HttpStatus.NOT_FOUND,
  [ChatErrorCode.SendRateLimited]: HttpStatus.TOO_MANY_REQUESTS,
  [ChatErrorCode.ReadOnly]: HttpStatus.CONFLICT,
};

export class ChatError extends AppError<ChatErrorCode> {
  static override readonly statuses = CHAT_ERROR_STATUS;

  constructor(code: ChatErrorCode, message: string, details?: unknown) {
    super(code, message, details);
  }
}

/** A list cursor this API did not hand out. */
export const invalidCursor = (): ChatError =>
  new ChatError(ChatErrorCode.InvalidCursor, 'cursor is not one returned by this list', { field: 'cursor' });

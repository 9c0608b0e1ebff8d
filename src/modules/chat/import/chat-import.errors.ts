import { HttpStatus } from '@nestjs/common';
import { AppError } from 'src/common/errors/app-error';

export enum ChatImportErrorCode {
  /** The file is not a valid export of the platform: a line or entry that cannot be read. */
  Malformed = 'CHAT_IMPORT_MALFORMED',
  /** The file is readable but holds no message at all. */
  Empty = 'CHAT_IMPORT_EMPTY',
  /** Larger than the parser accepts (Telegram JSON is parsed whole; see `maxBytes`). */
  TooLarge = 'CHAT_IMPORT_TOO_LARGE',
  /** Lenient mode met more problems than `maxWarnings`. */
  TooManyProblems = 'CHAT_IMPORT_TOO_MANY_PROBLEMS',
  /** An "all chats" Telegram export has no chat with the requested index, id or name. */
  ChatNotFound = 'CHAT_IMPORT_CHAT_NOT_FOUND',
  /** A parser option is invalid (unknown time zone…). */
  InvalidOption = 'CHAT_IMPORT_INVALID_OPTION',
  /** The upload itself is wrong: not multipart, no `file` part, unknown parts, bad fields. */
  UploadInvalid = 'CHAT_IMPORT_UPLOAD_INVALID',
  /** No import with this id among the caller's own. */
  NotFound = 'CHAT_IMPORT_NOT_FOUND',
  /** The import job failed for a reason outside the file (after its retries). */
  Failed = 'CHAT_IMPORT_FAILED',
}

export const CHAT_IMPORT_ERROR_STATUS: Record<ChatImportErrorCode, HttpStatus> = {
  [ChatImportErrorCode.Malformed]: HttpStatus.BAD_REQUEST,
  [ChatImportErrorCode.Empty]: HttpStatus.BAD_REQUEST,
  [ChatImportErrorCode.TooLarge]: HttpStatus.PAYLOAD_TOO_LARGE,
  [ChatImportErrorCode.TooManyProblems]: HttpStatus.BAD_REQUEST,
  [ChatImportErrorCode.ChatNotFound]: HttpStatus.BAD_REQUEST,
  [ChatImportErrorCode.InvalidOption]: HttpStatus.BAD_REQUEST,
  [ChatImportErrorCode.UploadInvalid]: HttpStatus.BAD_REQUEST,
  [ChatImportErrorCode.NotFound]: HttpStatus.NOT_FOUND,
  [ChatImportErrorCode.Failed]: HttpStatus.INTERNAL_SERVER_ERROR,
};

/** Where in the file a problem is: a 1-based `line` (WhatsApp) or a 0-based `entry` index and JSON `path` (Telegram). */
export interface ChatImportLocation {
  /** The request field at fault, when the error answers an upload (`file`, `platform`, `chat`…). */
  field?: string;
  line?: number;
  entry?: number;
  path?: string;
}

/** A problem that lenient mode skipped instead of failing on. */
export interface ChatImportWarning extends ChatImportLocation {
  /** Human reason, already prefixed with the location ("line 17: …"). */
  message: string;
}

/**
 * A chat export that cannot be imported. `line` / `entry` / `path` say where; the message starts with the same
 * location ("line 17: not a message line and no message before it to continue", "entry 42: date is not a date").
 */
export class ChatImportError extends AppError<ChatImportErrorCode> {
  static override readonly statuses = CHAT_IMPORT_ERROR_STATUS;

  readonly line?: number;
  readonly entry?: number;
  readonly path?: string;

  constructor(code: ChatImportErrorCode, message: string, location: ChatImportLocation = {}) {
    super(code, message, Object.keys(location).length > 0 ? location : undefined);
    this.line = location.line;
    this.entry = location.entry;
    this.path = location.path;
  }
}

/**
 * Strict mode throws the first problem; lenient mode records up to `maxWarnings` of them (the offending line or
 * entry is skipped) and throws `TooManyProblems` on the next one.
 */
export class ProblemCollector {
  readonly warnings: ChatImportWarning[] = [];

  constructor(
    private readonly lenient: boolean,
    private readonly maxWarnings: number,
  ) {}

  report(message: string, location: ChatImportLocation): void {
    if (!this.lenient) {
      throw new ChatImportError(ChatImportErrorCode.Malformed, message, location);
    }
    if (this.warnings.length >= this.maxWarnings) {
      throw new ChatImportError(
        ChatImportErrorCode.TooManyProblems,
        `more than ${this.maxWarnings} problems; the last one: ${message}`,
        location,
      );
    }
    this.warnings.push({ ...location, message });
  }
}

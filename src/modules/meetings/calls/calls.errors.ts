import { HttpStatus } from '@nestjs/common';
import { AppError, FieldError } from 'src/common/errors/app-error';

export enum CallErrorCode {
  NotFound = 'CALL_NOT_FOUND',
  /**
   * Input that passes the DTO rules but not the call's own (direction vs phone number and participants, members
   * only, a meeting of this organization, a future `scheduledAt`). `details` is a list of `{ field, errors }`, like
   * `VALIDATION_FAILED`; in a bulk request the fields carry the item's index (`items.3.phoneNumber`).
   */
  InvalidInput = 'CALL_INVALID_INPUT',
  /** The call's status does not allow this (end when not active, cancel when not scheduled, feedback before end). */
  InvalidState = 'CALL_INVALID_STATE',
  InvalidCursor = 'CALL_INVALID_CURSOR',
  /** Only the call's creator or an organization admin may do this (cancel). */
  CreatorRequired = 'CALL_CREATOR_REQUIRED',
}

export const CALL_ERROR_STATUS: Record<CallErrorCode, HttpStatus> = {
  [CallErrorCode.NotFound]: HttpStatus.NOT_FOUND,
  [CallErrorCode.InvalidInput]: HttpStatus.BAD_REQUEST,
  [CallErrorCode.InvalidState]: HttpStatus.CONFLICT,
  [CallErrorCode.InvalidCursor]: HttpStatus.BAD_REQUEST,
  [CallErrorCode.CreatorRequired]: HttpStatus.FORBIDDEN,
};

export class CallError extends AppError<CallErrorCode> {
  static override readonly statuses = CALL_ERROR_STATUS;

  constructor(code: CallErrorCode, message: string, details?: unknown) {
    super(code, message, details);
  }
}

export const callNotFound = (): CallError => new CallError(CallErrorCode.NotFound, 'Call not found');

export const invalidCallInput = (problems: FieldError[]): CallError =>
  new CallError(CallErrorCode.InvalidInput, `Invalid input: ${problems.map((p) => p.field).join(', ')}`, problems);

import { HttpStatus } from '@nestjs/common';
import { AppError } from 'src/common/errors/app-error';

export enum MeetingErrorCode {
  NotFound = 'MEETING_NOT_FOUND',
  HostRequired = 'MEETING_HOST_REQUIRED',
  /** The meeting's status does not allow this (e.g. update after it ended, cancel while live). */
  InvalidState = 'MEETING_INVALID_STATE',
  InvalidInvitee = 'MEETING_INVALID_INVITEE',
  InvalidSchedule = 'MEETING_INVALID_SCHEDULE',
  InvalidCursor = 'MEETING_INVALID_CURSOR',
  GuestsNotAllowed = 'MEETING_GUESTS_NOT_ALLOWED',
  NotJoinable = 'MEETING_NOT_JOINABLE',
  JoinTokenInvalid = 'MEETING_JOIN_TOKEN_INVALID',
}

export const MEETING_ERROR_STATUS: Record<MeetingErrorCode, HttpStatus> = {
  [MeetingErrorCode.NotFound]: HttpStatus.NOT_FOUND,
  [MeetingErrorCode.HostRequired]: HttpStatus.FORBIDDEN,
  [MeetingErrorCode.InvalidState]: HttpStatus.CONFLICT,
  [MeetingErrorCode.InvalidInvitee]: HttpStatus.BAD_REQUEST,
  [MeetingErrorCode.InvalidSchedule]: HttpStatus.BAD_REQUEST,
  [MeetingErrorCode.InvalidCursor]: HttpStatus.BAD_REQUEST,
  [MeetingErrorCode.GuestsNotAllowed]: HttpStatus.FORBIDDEN,
  [MeetingErrorCode.NotJoinable]: HttpStatus.CONFLICT,
  [MeetingErrorCode.JoinTokenInvalid]: HttpStatus.UNAUTHORIZED,
};

export class MeetingError extends AppError<MeetingErrorCode> {
  constructor(code: MeetingErrorCode, message: string, details?: unknown) {
    super(code, message, details);
  }
}

export const meetingNotFound = (): MeetingError => new MeetingError(MeetingErrorCode.NotFound, 'Meeting not found');

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
  /** Signalling: the meeting has `settings.maxParticipants` peers already. */
  Full = 'MEETING_FULL',
  /** Signalling: a request other than `join` before joining (or while waiting to be admitted). */
  NotJoined = 'MEETING_NOT_JOINED',
  /** Signalling: a peer, transport, producer or consumer id that is not (or no longer) there or not yours. */
  ObjectNotFound = 'MEETING_OBJECT_NOT_FOUND',
  /** Signalling: the receiving device cannot decode that producer's codec. */
  CannotConsume = 'MEETING_CANNOT_CONSUME',
  /** Signalling: too many chat messages in a short time. */
  RateLimited = 'MEETING_RATE_LIMITED',
  /** No mediasoup worker can run on this node (binary missing). */
  SfuUnavailable = 'MEETING_SFU_UNAVAILABLE',
  RecordingNotAllowed = 'MEETING_RECORDING_NOT_ALLOWED',
  /** ffmpeg is not installed (or FFMPEG_PATH does not run). */
  RecorderUnavailable = 'MEETING_RECORDER_UNAVAILABLE',
  AlreadyRecording = 'MEETING_ALREADY_RECORDING',
  RecordingNotFound = 'MEETING_RECORDING_NOT_FOUND',
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
  [MeetingErrorCode.Full]: HttpStatus.CONFLICT,
  [MeetingErrorCode.NotJoined]: HttpStatus.CONFLICT,
  [MeetingErrorCode.ObjectNotFound]: HttpStatus.NOT_FOUND,
  [MeetingErrorCode.CannotConsume]: HttpStatus.BAD_REQUEST,
  [MeetingErrorCode.RateLimited]: HttpStatus.TOO_MANY_REQUESTS,
  [MeetingErrorCode.SfuUnavailable]: HttpStatus.SERVICE_UNAVAILABLE,
  [MeetingErrorCode.RecordingNotAllowed]: HttpStatus.FORBIDDEN,
  [MeetingErrorCode.RecorderUnavailable]: HttpStatus.SERVICE_UNAVAILABLE,
  [MeetingErrorCode.AlreadyRecording]: HttpStatus.CONFLICT,
  [MeetingErrorCode.RecordingNotFound]: HttpStatus.NOT_FOUND,
};

export class MeetingError extends AppError<MeetingErrorCode> {
  static override readonly statuses = MEETING_ERROR_STATUS;

  constructor(code: MeetingErrorCode, message: string, details?: unknown) {
    super(code, message, details);
  }
}

export const meetingNotFound = (): MeetingError => new MeetingError(MeetingErrorCode.NotFound, 'Meeting not found');

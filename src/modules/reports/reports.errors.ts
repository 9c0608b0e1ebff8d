import { HttpStatus } from '@nestjs/common';
import { AppError } from 'src/common/errors/app-error';

export enum ReportErrorCode {
  NotFound = 'REPORT_NOT_FOUND',
  TargetNotFound = 'REPORT_TARGET_NOT_FOUND',
  TargetDeleted = 'REPORT_TARGET_DELETED',
  SelfReport = 'REPORT_SELF_TARGET',
  FieldNotAllowed = 'REPORT_FIELD_NOT_ALLOWED',
  Duplicate = 'REPORT_DUPLICATE',
  NotEditable = 'REPORT_NOT_EDITABLE',
  InvalidTransition = 'REPORT_INVALID_TRANSITION',
  ResolutionRequired = 'REPORT_RESOLUTION_REQUIRED',
  RateLimited = 'REPORT_RATE_LIMITED',
  InvalidCursor = 'REPORT_INVALID_CURSOR',
}

export const REPORT_ERROR_STATUS: Record<ReportErrorCode, HttpStatus> = {
  [ReportErrorCode.NotFound]: HttpStatus.NOT_FOUND,
  [ReportErrorCode.TargetNotFound]: HttpStatus.NOT_FOUND,
  [ReportErrorCode.TargetDeleted]: HttpStatus.GONE,
  [ReportErrorCode.SelfReport]: HttpStatus.BAD_REQUEST,
  [ReportErrorCode.FieldNotAllowed]: HttpStatus.BAD_REQUEST,
  [ReportErrorCode.Duplicate]: HttpStatus.CONFLICT,
  [ReportErrorCode.NotEditable]: HttpStatus.CONFLICT,
  [ReportErrorCode.InvalidTransition]: HttpStatus.CONFLICT,
  [ReportErrorCode.ResolutionRequired]: HttpStatus.BAD_REQUEST,
  [ReportErrorCode.RateLimited]: HttpStatus.TOO_MANY_REQUESTS,
  [ReportErrorCode.InvalidCursor]: HttpStatus.BAD_REQUEST,
};

export class ReportError extends AppError<ReportErrorCode> {
  static override readonly statuses = REPORT_ERROR_STATUS;

  constructor(code: ReportErrorCode, message: string, details?: unknown) {
    super(code, message, details);
  }
}

export const reportNotFound = (id: string): ReportError =>
  new ReportError(ReportErrorCode.NotFound, `Report ${id} not found`);

export const invalidReportCursor = (): ReportError =>
  new ReportError(ReportErrorCode.InvalidCursor, 'cursor is not one returned by this list', { field: 'cursor' });

import { HttpStatus } from '@nestjs/common';
import { AppError } from 'src/common/errors/app-error';

export enum SettingsErrorCode {
  ExportNotFound = 'SETTINGS_EXPORT_NOT_FOUND',
  ExportNotReady = 'SETTINGS_EXPORT_NOT_READY',
  ExportExpired = 'SETTINGS_EXPORT_EXPIRED',
  ExportInProgress = 'SETTINGS_EXPORT_IN_PROGRESS',
  SecurityEmailRequired = 'SETTINGS_SECURITY_EMAIL_REQUIRED',
  LastOwner = 'SETTINGS_LAST_OWNER',
  NoDeletionPending = 'SETTINGS_NO_DELETION_PENDING',
  DeletionPending = 'SETTINGS_DELETION_PENDING',
}

export const SETTINGS_ERROR_STATUS: Record<SettingsErrorCode, HttpStatus> = {
  [SettingsErrorCode.ExportNotFound]: HttpStatus.NOT_FOUND,
  [SettingsErrorCode.ExportNotReady]: HttpStatus.CONFLICT,
  [SettingsErrorCode.ExportExpired]: HttpStatus.GONE,
  [SettingsErrorCode.ExportInProgress]: HttpStatus.CONFLICT,
  [SettingsErrorCode.SecurityEmailRequired]: HttpStatus.BAD_REQUEST,
  [SettingsErrorCode.LastOwner]: HttpStatus.CONFLICT,
  [SettingsErrorCode.NoDeletionPending]: HttpStatus.CONFLICT,
  [SettingsErrorCode.DeletionPending]: HttpStatus.CONFLICT,
};

export class SettingsError extends AppError<SettingsErrorCode> {
  static override readonly statuses = SETTINGS_ERROR_STATUS;

  constructor(code: SettingsErrorCode, message: string, details?: unknown) {
    super(code, message, details);
  }
}

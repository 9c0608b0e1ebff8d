import { HttpStatus } from '@nestjs/common';
import { AppError } from 'src/common/errors/app-error';

export enum AuthErrorCode {
  InvalidCredentials = 'AUTH_INVALID_CREDENTIALS',
  Unauthenticated = 'AUTH_UNAUTHENTICATED',
  TokenInvalid = 'AUTH_TOKEN_INVALID',
  SessionRevoked = 'AUTH_SESSION_REVOKED',
  RefreshInvalid = 'AUTH_REFRESH_INVALID',
  RefreshReused = 'AUTH_REFRESH_REUSED',
  AccountLocked = 'AUTH_ACCOUNT_LOCKED',
  TooManyAttempts = 'AUTH_TOO_MANY_ATTEMPTS',
  AccountDisabled = 'AUTH_ACCOUNT_DISABLED',
  EmailTaken = 'AUTH_EMAIL_TAKEN',
  UsernameTaken = 'AUTH_USERNAME_TAKEN',
  LinkInvalid = 'AUTH_LINK_INVALID',
  EmailAlreadyVerified = 'AUTH_EMAIL_ALREADY_VERIFIED',
  ForbiddenRole = 'AUTH_FORBIDDEN_ROLE',
  TwoFactorRequired = 'AUTH_2FA_REQUIRED',
  TwoFactorInvalidCode = 'AUTH_2FA_INVALID_CODE',
  TwoFactorChallengeInvalid = 'AUTH_2FA_CHALLENGE_INVALID',
  TwoFactorAlreadyEnabled = 'AUTH_2FA_ALREADY_ENABLED',
  TwoFactorNotEnrolled = 'AUTH_2FA_NOT_ENROLLED',
  TwoFactorNotEnabled = 'AUTH_2FA_NOT_ENABLED',
  NotAGuest = 'AUTH_NOT_A_GUEST',
  SessionNotFound = 'AUTH_SESSION_NOT_FOUND',
}

export const AUTH_ERROR_STATUS: Record<AuthErrorCode, HttpStatus> = {
  [AuthErrorCode.InvalidCredentials]: HttpStatus.UNAUTHORIZED,
  [AuthErrorCode.Unauthenticated]: HttpStatus.UNAUTHORIZED,
  [AuthErrorCode.TokenInvalid]: HttpStatus.UNAUTHORIZED,
  [AuthErrorCode.SessionRevoked]: HttpStatus.UNAUTHORIZED,
  [AuthErrorCode.RefreshInvalid]: HttpStatus.UNAUTHORIZED,
  [AuthErrorCode.RefreshReused]: HttpStatus.UNAUTHORIZED,
  [AuthErrorCode.AccountLocked]: HttpStatus.LOCKED,
  [AuthErrorCode.TooManyAttempts]: HttpStatus.TOO_MANY_REQUESTS,
  [AuthErrorCode.AccountDisabled]: HttpStatus.FORBIDDEN,
  [AuthErrorCode.EmailTaken]: HttpStatus.CONFLICT,
  [AuthErrorCode.UsernameTaken]: HttpStatus.CONFLICT,
  [AuthErrorCode.LinkInvalid]: HttpStatus.BAD_REQUEST,
  [AuthErrorCode.EmailAlreadyVerified]: HttpStatus.CONFLICT,
  [AuthErrorCode.ForbiddenRole]: HttpStatus.FORBIDDEN,
  [AuthErrorCode.TwoFactorRequired]: HttpStatus.FORBIDDEN,
  [AuthErrorCode.TwoFactorInvalidCode]: HttpStatus.UNAUTHORIZED,
  [AuthErrorCode.TwoFactorChallengeInvalid]: HttpStatus.UNAUTHORIZED,
  [AuthErrorCode.TwoFactorAlreadyEnabled]: HttpStatus.CONFLICT,
  [AuthErrorCode.TwoFactorNotEnrolled]: HttpStatus.CONFLICT,
  [AuthErrorCode.TwoFactorNotEnabled]: HttpStatus.CONFLICT,
  [AuthErrorCode.NotAGuest]: HttpStatus.CONFLICT,
  [AuthErrorCode.SessionNotFound]: HttpStatus.NOT_FOUND,
};

export class AuthError extends AppError<AuthErrorCode> {
  static override readonly statuses = AUTH_ERROR_STATUS;

  constructor(code: AuthErrorCode, message: string, details?: unknown) {
    super(code, message, details);
  }
}

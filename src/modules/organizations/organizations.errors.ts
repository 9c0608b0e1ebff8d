import { HttpStatus } from '@nestjs/common';
import { AppError } from 'src/common/errors/app-error';

export enum OrgErrorCode {
  NoOrganization = 'ORG_HEADER_MISSING',
  NotFound = 'ORG_NOT_FOUND',
  PermissionDenied = 'ORG_PERMISSION_DENIED',
  MemberNotFound = 'ORG_MEMBER_NOT_FOUND',
  LastOwner = 'ORG_LAST_OWNER',
  RankTooLow = 'ORG_ROLE_RANK',
  SlugTaken = 'ORG_SLUG_TAKEN',
  AlreadyMember = 'ORG_ALREADY_MEMBER',
  InvitationNotFound = 'ORG_INVITATION_NOT_FOUND',
  InvitationInvalid = 'ORG_INVITATION_INVALID',
  InvitationEmailMismatch = 'ORG_INVITATION_EMAIL_MISMATCH',
  QuotaExceeded = 'ORG_QUOTA_EXCEEDED',
  FeatureNotInPlan = 'ORG_FEATURE_NOT_IN_PLAN',
  ApiKeyNotFound = 'ORG_API_KEY_NOT_FOUND',
  ApiKeyNotAllowed = 'ORG_API_KEY_NOT_ALLOWED',
  ApiKeyRateLimited = 'ORG_API_KEY_RATE_LIMITED',
  IpNotAllowed = 'ORG_IP_NOT_ALLOWED',
  IpAllowlistExcludesCaller = 'ORG_IP_ALLOWLIST_EXCLUDES_YOU',
}

export const ORG_ERROR_STATUS: Record<OrgErrorCode, HttpStatus> = {
  [OrgErrorCode.NoOrganization]: HttpStatus.BAD_REQUEST,
  [OrgErrorCode.NotFound]: HttpStatus.NOT_FOUND,
  [OrgErrorCode.PermissionDenied]: HttpStatus.FORBIDDEN,
  [OrgErrorCode.MemberNotFound]: HttpStatus.NOT_FOUND,
  [OrgErrorCode.LastOwner]: HttpStatus.CONFLICT,
  [OrgErrorCode.RankTooLow]: HttpStatus.FORBIDDEN,
  [OrgErrorCode.SlugTaken]: HttpStatus.CONFLICT,
  [OrgErrorCode.AlreadyMember]: HttpStatus.CONFLICT,
  [OrgErrorCode.InvitationNotFound]: HttpStatus.NOT_FOUND,
  [OrgErrorCode.InvitationInvalid]: HttpStatus.BAD_REQUEST,
  [OrgErrorCode.InvitationEmailMismatch]: HttpStatus.FORBIDDEN,
  [OrgErrorCode.QuotaExceeded]: HttpStatus.FORBIDDEN,
  [OrgErrorCode.FeatureNotInPlan]: HttpStatus.FORBIDDEN,
  [OrgErrorCode.ApiKeyNotFound]: HttpStatus.NOT_FOUND,
  [OrgErrorCode.ApiKeyNotAllowed]: HttpStatus.FORBIDDEN,
  [OrgErrorCode.ApiKeyRateLimited]: HttpStatus.TOO_MANY_REQUESTS,
  [OrgErrorCode.IpNotAllowed]: HttpStatus.FORBIDDEN,
  [OrgErrorCode.IpAllowlistExcludesCaller]: HttpStatus.CONFLICT,
};

export class OrgError extends AppError<OrgErrorCode> {
  static override readonly statuses = ORG_ERROR_STATUS;

  constructor(code: OrgErrorCode, message: string, details?: unknown) {
    super(code, message, details);
  }
}

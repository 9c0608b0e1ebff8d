import { HttpStatus } from '@nestjs/common';
import { AppError } from 'src/common/errors/app-error';

export enum CampaignErrorCode {
  ContactNotFound = 'CAMPAIGN_CONTACT_NOT_FOUND',
  ContactExists = 'CAMPAIGN_CONTACT_EXISTS',
  ListNotFound = 'CAMPAIGN_LIST_NOT_FOUND',
  ListExists = 'CAMPAIGN_LIST_EXISTS',
  SuppressionNotFound = 'CAMPAIGN_SUPPRESSION_NOT_FOUND',
  SuppressionExists = 'CAMPAIGN_SUPPRESSION_EXISTS',
  InvalidCursor = 'CAMPAIGN_INVALID_CURSOR',
  InvalidFilter = 'CAMPAIGN_INVALID_FILTER',
}

export const CAMPAIGN_ERROR_STATUS: Record<CampaignErrorCode, HttpStatus> = {
  [CampaignErrorCode.ContactNotFound]: HttpStatus.NOT_FOUND,
  [CampaignErrorCode.ContactExists]: HttpStatus.CONFLICT,
  [CampaignErrorCode.ListNotFound]: HttpStatus.NOT_FOUND,
  [CampaignErrorCode.ListExists]: HttpStatus.CONFLICT,
  [CampaignErrorCode.SuppressionNotFound]: HttpStatus.NOT_FOUND,
  [CampaignErrorCode.SuppressionExists]: HttpStatus.CONFLICT,
  [CampaignErrorCode.InvalidCursor]: HttpStatus.BAD_REQUEST,
  [CampaignErrorCode.InvalidFilter]: HttpStatus.BAD_REQUEST,
};

export class CampaignError extends AppError<CampaignErrorCode> {
  static override readonly statuses = CAMPAIGN_ERROR_STATUS;

  constructor(code: CampaignErrorCode, message: string, details?: unknown) {
    super(code, message, details);
  }
}

/** The 400 for a page cursor that no list of this domain made. */
export const invalidCursor = (): CampaignError =>
  new CampaignError(CampaignErrorCode.InvalidCursor, 'cursor is not a cursor of this list', { field: 'cursor' });

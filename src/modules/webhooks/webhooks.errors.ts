import { HttpStatus } from '@nestjs/common';
import { AppError } from 'src/common/errors/app-error';

export enum WebhookErrorCode {
  EndpointNotFound = 'WEBHOOK_ENDPOINT_NOT_FOUND',
  DeliveryNotFound = 'WEBHOOK_DELIVERY_NOT_FOUND',
  EndpointDisabled = 'WEBHOOK_ENDPOINT_DISABLED',
  EndpointLimit = 'WEBHOOK_ENDPOINT_LIMIT',
  PrivateTarget = 'WEBHOOK_PRIVATE_TARGET',
}

export const WEBHOOK_ERROR_STATUS: Record<WebhookErrorCode, HttpStatus> = {
  [WebhookErrorCode.EndpointNotFound]: HttpStatus.NOT_FOUND,
  [WebhookErrorCode.DeliveryNotFound]: HttpStatus.NOT_FOUND,
  [WebhookErrorCode.EndpointDisabled]: HttpStatus.CONFLICT,
  [WebhookErrorCode.EndpointLimit]: HttpStatus.FORBIDDEN,
  [WebhookErrorCode.PrivateTarget]: HttpStatus.BAD_REQUEST,
};

export class WebhookError extends AppError<WebhookErrorCode> {
  static override readonly statuses = WEBHOOK_ERROR_STATUS;

  constructor(code: WebhookErrorCode, message: string, details?: unknown) {
    super(code, message, details);
  }
}

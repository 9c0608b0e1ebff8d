import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEnum,
  IsIn,
  IsOptional,
  IsString,
  IsUrl,
  MaxLength,
} from 'class-validator';
import { PageMetaDto, PageQueryDto } from 'src/common/http/pagination.dto';
import { AttemptTrigger } from './webhook-attempt.entity';
import { DeliveryStatus } from './webhook-delivery.entity';
import { WEBHOOK_EVENT_TYPES } from './webhook-event-catalogue';
import type { WebhookEventType } from './webhook-events';

export class CreateWebhookEndpointDto {
  @ApiProperty({ example: 'https://example.com/hooks/switchboard' })
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @MaxLength(2000)
  url!: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({
    enum: WEBHOOK_EVENT_TYPES,
    enumName: 'WebhookEventType',
    isArray: true,
    description: 'Events to deliver; omitted or empty means every event',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true })
  eventTypes?: WebhookEventType[];
}

export class UpdateWebhookEndpointDto extends PartialType(CreateWebhookEndpointDto) {
  @ApiPropertyOptional({ description: 'false disables the endpoint; true re-enables it and resets its failure count' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class WebhookEndpointDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  url!: string;

  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, enumName: 'WebhookEventType', isArray: true })
  eventTypes!: WebhookEventType[];

  @ApiProperty()
  enabled!: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  disabledAt!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'every attempt failed for 5 days' })
  disabledReason!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Start of the current failure run' })
  failingSince!: string | null;

  @ApiProperty()
  consecutiveFailures!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class WebhookSecretDto {
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: 'Signing secret (Standard Webhooks)' })
  secret!: string;
}

export class CreatedWebhookEndpointDto extends WebhookEndpointDto {
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: 'Signing secret (Standard Webhooks)' })
  secret!: string;
}

export class WebhookEndpointPageDto extends PageMetaDto {
  @ApiProperty({ type: [WebhookEndpointDto] })
  items!: WebhookEndpointDto[];
}

export class WebhookEventTypeDto {
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, enumName: 'WebhookEventType' })
  type!: WebhookEventType;

  @ApiProperty()
  description!: string;
}

export class DeliveryQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: DeliveryStatus, enumName: 'WebhookDeliveryStatus' })
  @IsOptional()
  @IsEnum(DeliveryStatus)
  status?: DeliveryStatus;

  @ApiPropertyOptional({ enum: WEBHOOK_EVENT_TYPES, enumName: 'WebhookEventType' })
  @IsOptional()
  @IsIn(WEBHOOK_EVENT_TYPES)
  eventType?: WebhookEventType;
}

export class WebhookAttemptDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: AttemptTrigger, enumName: 'WebhookAttemptTrigger' })
  trigger!: AttemptTrigger;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: '1-based position in the retry schedule; null for replays',
  })
  scheduleIndex!: number | null;

  @ApiProperty()
  succeeded!: boolean;

  @ApiProperty({ type: Number, nullable: true })
  responseStatus!: number | null;

  @ApiProperty()
  latencyMs!: number;

  @ApiProperty({ type: String, nullable: true, description: 'First kilobyte of the response body' })
  responseExcerpt!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Network error or timeout, when nothing answered' })
  error!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  endpointId!: string;

  @ApiProperty({ format: 'uuid', description: 'The webhook-id header: the same on every attempt and replay' })
  messageId!: string;

  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, enumName: 'WebhookEventType' })
  eventType!: WebhookEventType;

  @ApiProperty({ enum: DeliveryStatus, enumName: 'WebhookDeliveryStatus' })
  status!: DeliveryStatus;

  @ApiProperty({ description: 'Scheduled attempts made' })
  attempts!: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  nextAttemptAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastAttemptAt!: string | null;

  @ApiProperty({ type: Number, nullable: true })
  lastResponseStatus!: number | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class WebhookDeliveryPageDto extends PageMetaDto {
  @ApiProperty({ type: [WebhookDeliveryDto] })
  items!: WebhookDeliveryDto[];
}

export class WebhookDeliveryDetailDto extends WebhookDeliveryDto {
  @ApiProperty({ description: 'The signed JSON body: { type, timestamp, data }' })
  body!: string;

  @ApiProperty({ type: [WebhookAttemptDto], description: 'Every attempt, oldest first' })
  attemptLog!: WebhookAttemptDto[];
}

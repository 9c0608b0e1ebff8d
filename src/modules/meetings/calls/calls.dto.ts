import { ApiProperty, ApiPropertyOptional, IntersectionType, OmitType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEnum,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { CursorPageQueryDto } from 'src/common/http/pagination.dto';
import { CallDirection, CallStatus } from './call.entity';
import { IsIsoDateTime } from 'src/common/http/iso-date-time.decorator';

export const MAX_CALL_PARTICIPANTS = 50;
export const MAX_BULK_CALLS = 500;
/** E.164: a plus, a non-zero country code digit, at most 15 digits in all. */
export const E164 = /^\+[1-9]\d{1,14}$/;

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);
const toBool = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

/** How `POST /calls/{id}/end` records the outcome. */
export enum CallOutcome {
  Completed = 'completed',
  Missed = 'missed',
  Failed = 'failed',
}

// ---- requests ----

export class CreateCallDto {
  @ApiProperty({ enum: CallDirection, enumName: 'CallDirection' })
  @IsEnum(CallDirection)
  direction!: CallDirection;

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    maxItems: MAX_CALL_PARTICIPANTS,
    description: 'Organization members taking part besides you (you always are a participant). Internal: at least one',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_CALL_PARTICIPANTS)
  @IsUUID('all', { each: true })
  participantIds?: string[];

  @ApiPropertyOptional({
    example: '+4930123456',
    description: 'The external party in E.164 form; required for inbound and outbound calls, refused for internal ones',
  })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Matches(E164, { message: 'phoneNumber must be in E.164 form, e.g. +4930123456' })
  phoneNumber?: string;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(200)
  subject?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'A meeting of this organization the call takes place in' })
  @IsOptional()
  @IsUUID()
  meetingId?: string;

  @ApiPropertyOptional({
    description:
      'Internal calls only: run the call as a new live meeting on the SFU (you host, the participants are invited); ' +
      'ending the call stops it',
  })
  @IsOptional()
  @IsBoolean()
  video?: boolean;

  @ApiPropertyOptional({ maxLength: 10000 })
  @IsOptional()
  @IsString()
  @MaxLength(10000)
  notes?: string;
}

export class ScheduleCallDto extends OmitType(CreateCallDto, ['video'] as const) {
  @ApiProperty({ type: String, format: 'date-time', description: 'In the future (within a year)' })
  @IsIsoDateTime()
  scheduledAt!: Date;
}

export class BulkCallItemDto extends OmitType(CreateCallDto, ['video'] as const) {
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'Schedules this call (in the future); without it the call is recorded as in progress now',
  })
  @IsOptional()
  @IsIsoDateTime()
  scheduledAt?: Date;
}

export class BulkCreateCallsDto {
  @ApiProperty({ type: [BulkCallItemDto], minItems: 1, maxItems: MAX_BULK_CALLS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BULK_CALLS)
  @ValidateNested({ each: true })
  @Type(() => BulkCallItemDto)
  items!: BulkCallItemDto[];
}

export class UpdateCallDto {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 500000 })
  @IsOptional()
  @IsString()
  @MaxLength(500000)
  transcript?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, format: 'uri', description: 'http(s) link to the recording' })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @MaxLength(2000)
  recordingUrl?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 10000 })
  @IsOptional()
  @IsString()
  @MaxLength(10000)
  notes?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 200 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(200)
  subject?: string | null;
}

export class EndCallDto {
  @ApiPropertyOptional({ enum: CallOutcome, enumName: 'CallOutcome', description: 'completed when absent' })
  @IsOptional()
  @IsIn(Object.values(CallOutcome))
  outcome?: CallOutcome;
}

export class CallFeedbackInputDto {
  @ApiProperty({ minimum: 1, maximum: 5 })
  @IsInt()
  @Min(1)
  @Max(5)
  rating!: number;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment?: string;
}

export class CallStatsQueryDto {
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'Calls that started (or are scheduled) at or after',
  })
  @IsOptional()
  @IsIsoDateTime()
  from?: Date;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'Calls that started (or are scheduled) before',
  })
  @IsOptional()
  @IsIsoDateTime()
  to?: Date;

  @ApiPropertyOptional({ description: 'true: only calls you created or take part in (admins otherwise see all)' })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  mine?: boolean;
}

export class ListCallsQueryDto extends IntersectionType(CallStatsQueryDto, CursorPageQueryDto) {
  @ApiPropertyOptional({ enum: CallStatus, enumName: 'CallStatus' })
  @IsOptional()
  @IsEnum(CallStatus)
  status?: CallStatus;

  @ApiPropertyOptional({ enum: CallDirection, enumName: 'CallDirection' })
  @IsOptional()
  @IsEnum(CallDirection)
  direction?: CallDirection;

  @ApiPropertyOptional({ format: 'uuid', description: 'Calls this member takes part in' })
  @IsOptional()
  @IsUUID()
  participantId?: string;

  @ApiPropertyOptional({ example: '+4930123456', description: 'Calls with this external number (E.164)' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Matches(E164, { message: 'phoneNumber must be in E.164 form, e.g. +4930123456' })
  phoneNumber?: string;
}

// ---- responses ----

export class CallDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  organizationId!: string;

  @ApiProperty({ format: 'uuid' })
  createdById!: string;

  @ApiProperty({ enum: CallDirection, enumName: 'CallDirection' })
  direction!: CallDirection;

  @ApiProperty({ enum: CallStatus, enumName: 'CallStatus' })
  status!: CallStatus;

  @ApiProperty({ type: [String], format: 'uuid', description: 'Members taking part, the creator first' })
  participantIds!: string[];

  @ApiProperty({ type: String, nullable: true })
  phoneNumber!: string | null;

  @ApiProperty({ type: String, nullable: true })
  subject!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  meetingId!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  scheduledAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  startedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  endedAt!: string | null;

  @ApiProperty({ type: Number, nullable: true })
  durationSeconds!: number | null;

  @ApiProperty({ type: String, nullable: true })
  transcript!: string | null;

  @ApiProperty({ type: String, nullable: true })
  recordingUrl!: string | null;

  @ApiProperty({ type: String, nullable: true })
  notes!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class CallPageDto {
  @ApiProperty({ type: [CallDto], description: 'Newest first' })
  items!: CallDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class BulkCallsResultDto {
  @ApiProperty()
  count!: number;

  @ApiProperty({ type: [CallDto], description: 'In the order of the request items' })
  items!: CallDto[];
}

export class CallFeedbackDto {
  @ApiProperty({ format: 'uuid' })
  callId!: string;

  @ApiProperty({ format: 'uuid' })
  userId!: string;

  @ApiProperty({ minimum: 1, maximum: 5 })
  rating!: number;

  @ApiProperty({ type: String, nullable: true })
  comment!: string | null;

  @ApiProperty({ description: 'true when this replaced your earlier feedback on the call' })
  replaced!: boolean;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class CallStatusCountsDto {
  @ApiProperty() scheduled!: number;
  @ApiProperty() ringing!: number;
  @ApiProperty() in_progress!: number;
  @ApiProperty() completed!: number;
  @ApiProperty() missed!: number;
  @ApiProperty() failed!: number;
  @ApiProperty() cancelled!: number;
}

export class CallDirectionCountsDto {
  @ApiProperty() inbound!: number;
  @ApiProperty() outbound!: number;
  @ApiProperty() internal!: number;
}

export class CallStatsDto {
  @ApiProperty({ description: 'Calls in the window' })
  total!: number;

  @ApiProperty({ type: CallStatusCountsDto })
  byStatus!: CallStatusCountsDto;

  @ApiProperty({ type: CallDirectionCountsDto })
  byDirection!: CallDirectionCountsDto;

  @ApiProperty({ description: 'Sum of the durations of ended calls' })
  totalDurationSeconds!: number;

  @ApiProperty({ type: Number, nullable: true, description: 'Mean duration of ended calls' })
  averageDurationSeconds!: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Mean feedback rating (1–5)' })
  averageRating!: number | null;

  @ApiProperty()
  feedbackCount!: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  from!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  to!: string | null;
}

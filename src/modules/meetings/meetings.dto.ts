import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsBoolean,
  IsEmail,
  IsEnum,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { CursorPageQueryDto } from 'src/common/http/pagination.dto';
import { MeetingRecordingStatus, MeetingStatus } from './meeting.entity';
import { IsIsoDateTime } from 'src/common/http/iso-date-time.decorator';

export const MAX_INVITEES = 500;

const toBool = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;
const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

// ---- requests ----

export class MeetingSettingsInputDto {
  @ApiPropertyOptional({ description: 'Participants wait until the host admits them (default false)' })
  @IsOptional()
  @IsBoolean()
  waitingRoom?: boolean;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(500)
  maxParticipants?: number;

  @ApiPropertyOptional({ description: 'The host may record the meeting (default false)' })
  @IsOptional()
  @IsBoolean()
  recordingAllowed?: boolean;

  @ApiPropertyOptional({ description: 'People without an account may join by link (guest-token, default false)' })
  @IsOptional()
  @IsBoolean()
  guestsAllowed?: boolean;
}

export class InviteesInputDto {
  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'Organization members to invite' })
  @IsOptional()
  @IsUUID('all', { each: true })
  @ArrayMaxSize(MAX_INVITEES)
  userIds?: string[];

  @ApiPropertyOptional({ type: [String], format: 'email', description: 'External people to invite by address' })
  @IsOptional()
  @IsEmail({}, { each: true })
  @ArrayMaxSize(MAX_INVITEES)
  emails?: string[];
}

export class CreateMeetingDto {
  @ApiProperty({ minLength: 1, maxLength: 200 })
  @Transform(trim)
  @IsString()
  @Length(1, 200)
  title!: string;

  @ApiPropertyOptional({ maxLength: 5000 })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  description?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Omit for an instant meeting' })
  @IsOptional()
  @IsIsoDateTime()
  scheduledStart?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'After scheduledStart (needs it)' })
  @IsOptional()
  @IsIsoDateTime()
  scheduledEnd?: Date;

  @ApiPropertyOptional({ type: MeetingSettingsInputDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => MeetingSettingsInputDto)
  settings?: MeetingSettingsInputDto;

  @ApiPropertyOptional({ type: InviteesInputDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => InviteesInputDto)
  invitees?: InviteesInputDto;
}

export class UpdateMeetingDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Length(1, 200)
  title?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 5000 })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  description?: string | null;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  @IsOptional()
  @IsIsoDateTime()
  scheduledStart?: Date | null;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  @IsOptional()
  @IsIsoDateTime()
  scheduledEnd?: Date | null;

  @ApiPropertyOptional({ type: MeetingSettingsInputDto, description: 'Only the given settings change' })
  @IsOptional()
  @ValidateNested()
  @Type(() => MeetingSettingsInputDto)
  settings?: MeetingSettingsInputDto;

  @ApiPropertyOptional({ type: InviteesInputDto, description: 'Replaces the invitee list' })
  @IsOptional()
  @ValidateNested()
  @Type(() => InviteesInputDto)
  invitees?: InviteesInputDto;
}

export class ListMeetingsQueryDto extends CursorPageQueryDto {
  @ApiPropertyOptional({ enum: MeetingStatus, enumName: 'MeetingStatus' })
  @IsOptional()
  @IsEnum(MeetingStatus)
  status?: MeetingStatus;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'scheduledStart at or after' })
  @IsOptional()
  @IsIsoDateTime()
  from?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'scheduledStart before' })
  @IsOptional()
  @IsIsoDateTime()
  to?: Date;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  hostId?: string;

  @ApiPropertyOptional({ description: 'true: only meetings you host or are invited to' })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  mine?: boolean;
}

export class GuestTokenRequestDto {
  @ApiProperty({ minLength: 1, maxLength: 100, description: 'The name the guest is shown with' })
  @Transform(trim)
  @IsString()
  @Length(1, 100)
  name!: string;
}

// ---- responses ----

export class MeetingSettingsDto {
  @ApiProperty()
  waitingRoom!: boolean;

  @ApiProperty({ minimum: 1, maximum: 500 })
  maxParticipants!: number;

  @ApiProperty()
  recordingAllowed!: boolean;

  @ApiProperty()
  guestsAllowed!: boolean;
}

export class MeetingInviteeDto {
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  userId!: string | null;

  @ApiProperty({ type: String, nullable: true })
  email!: string | null;
}

export class MeetingDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  organizationId!: string;

  @ApiProperty()
  title!: string;

  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  @ApiProperty({ format: 'uuid' })
  hostId!: string;

  @ApiProperty({ enum: MeetingStatus, enumName: 'MeetingStatus' })
  status!: MeetingStatus;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  scheduledStart!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  scheduledEnd!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  startedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  endedAt!: string | null;

  @ApiProperty({ type: MeetingSettingsDto })
  settings!: MeetingSettingsDto;

  @ApiProperty({ type: [MeetingInviteeDto] })
  invitees!: MeetingInviteeDto[];

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class MeetingPageDto {
  @ApiProperty({ type: [MeetingDto], description: 'Newest first' })
  items!: MeetingDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class MeetingParticipantDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  userId!: string | null;

  @ApiProperty({ type: String, nullable: true })
  guestName!: string | null;

  @ApiProperty({ format: 'date-time' })
  joinedAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  leftAt!: string | null;

  @ApiProperty({ type: Number, nullable: true })
  durationSeconds!: number | null;
}

export class MeetingParticipantPageDto {
  @ApiProperty({ type: [MeetingParticipantDto], description: 'In order of joining' })
  items!: MeetingParticipantDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class ParticipantsQueryDto {
  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 50;
}

export class JoinTokenDto {
  @ApiProperty({ description: "HS256 JWT: aud 'meeting', sub, mid (meeting id), role host|participant|guest" })
  token!: string;

  @ApiProperty({ format: 'date-time' })
  expiresAt!: string;

  @ApiProperty({ format: 'uuid' })
  meetingId!: string;

  @ApiProperty({ enum: ['host', 'participant', 'guest'] })
  role!: string;
}

export class RecordingTrackDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ description: 'The mediasoup producer recorded' })
  producerId!: string;

  @ApiProperty({ description: 'The peer (signalling) that produced it' })
  peerId!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'null for a guest' })
  userId!: string | null;

  @ApiProperty()
  displayName!: string;

  @ApiProperty({ enum: ['audio', 'video'] })
  kind!: 'audio' | 'video';

  @ApiProperty({ example: 'video/webm' })
  contentType!: string;

  @ApiProperty({ format: 'date-time' })
  startedAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  endedAt!: string | null;

  @ApiProperty({ type: Number, nullable: true, description: 'File size once the recording stopped' })
  bytes!: number | null;
}

export class RecordingDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  meetingId!: string;

  @ApiProperty({ enum: MeetingRecordingStatus, enumName: 'MeetingRecordingStatus' })
  status!: MeetingRecordingStatus;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  startedById!: string | null;

  @ApiProperty({ format: 'date-time' })
  startedAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  endedAt!: string | null;

  @ApiProperty({ type: String, nullable: true })
  error!: string | null;

  @ApiProperty({
    type: [RecordingTrackDto],
    description: 'One file per recorded producer (camera, microphone, screen)',
  })
  tracks!: RecordingTrackDto[];
}

export class RecordingListDto {
  @ApiProperty({ type: [RecordingDto], description: 'Newest first' })
  items!: RecordingDto[];
}

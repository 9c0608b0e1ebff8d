import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsEnum, IsOptional, IsString, IsUUID, Length, ValidateIf } from 'class-validator';
import { CursorPageQueryDto } from 'src/common/http/pagination.dto';
import { ReportEventKind } from './report-event.entity';
import { ReportReason, ReportStatus, ReportType } from './report.entity';
import { IsIsoDateTime } from 'src/common/http/iso-date-time.decorator';

export const MAX_DESCRIPTION_LENGTH = 5000;
export const MAX_TITLE_LENGTH = 200;
export const MAX_COMMENT_LENGTH = 5000;

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);
const toBool = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

// ---- requests ----

export class CreateReportDto {
  @ApiProperty({ enum: ReportType, enumName: 'ReportType' })
  @IsEnum(ReportType)
  type!: ReportType;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'type=message (required): a chat message in a conversation you are a member of',
  })
  @ValidateIf((dto: CreateReportDto) => dto.type === ReportType.Message)
  @IsUUID()
  messageId?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'type=user (required): a user who shares an organization with you',
  })
  @ValidateIf((dto: CreateReportDto) => dto.type === ReportType.User)
  @IsUUID()
  userId?: string;

  @ApiPropertyOptional({
    enum: ReportReason,
    enumName: 'ReportReason',
    description: 'type=message and type=user (required)',
  })
  @ValidateIf((dto: CreateReportDto) => dto.type === ReportType.Message || dto.type === ReportType.User)
  @IsEnum(ReportReason)
  reason?: ReportReason;

  @ApiPropertyOptional({ minLength: 3, maxLength: MAX_TITLE_LENGTH, description: 'type=bug (required)' })
  @ValidateIf((dto: CreateReportDto) => dto.type === ReportType.Bug)
  @Transform(trim)
  @IsString()
  @Length(3, MAX_TITLE_LENGTH)
  title?: string;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: MAX_DESCRIPTION_LENGTH,
    description: 'What happened; required for type=bug',
  })
  @ValidateIf((dto: CreateReportDto) => dto.type === ReportType.Bug || dto.description !== undefined)
  @Transform(trim)
  @IsString()
  @Length(1, MAX_DESCRIPTION_LENGTH)
  description?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'The organization the report concerns. Derived from the conversation for message reports (must match when ' +
      'given); for user reports one you share with the user; for bugs one you are a member of',
  })
  @IsOptional()
  @IsUUID()
  organizationId?: string;
}

export class UpdateReportDto {
  @ApiPropertyOptional({ enum: ReportReason, enumName: 'ReportReason', description: 'message and user reports' })
  @IsOptional()
  @IsEnum(ReportReason)
  reason?: ReportReason;

  @ApiPropertyOptional({ minLength: 3, maxLength: MAX_TITLE_LENGTH, description: 'bug reports' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Length(3, MAX_TITLE_LENGTH)
  title?: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: MAX_DESCRIPTION_LENGTH })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Length(1, MAX_DESCRIPTION_LENGTH)
  description?: string;
}

export class ListReportsQueryDto extends CursorPageQueryDto {
  @ApiPropertyOptional({ enum: ReportStatus, enumName: 'ReportStatus' })
  @IsOptional()
  @IsEnum(ReportStatus)
  status?: ReportStatus;
}

export class AdminListReportsQueryDto extends ListReportsQueryDto {
  @ApiPropertyOptional({ enum: ReportType, enumName: 'ReportType' })
  @IsOptional()
  @IsEnum(ReportType)
  type?: ReportType;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  organizationId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  reporterId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The reported user, or the author of the reported message' })
  @IsOptional()
  @IsUUID()
  targetUserId?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Created at or after' })
  @IsOptional()
  @IsIsoDateTime()
  createdFrom?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Created before' })
  @IsOptional()
  @IsIsoDateTime()
  createdTo?: Date;
}

export class AdminReportCountsQueryDto {
  @ApiPropertyOptional({ enum: ReportType, enumName: 'ReportType' })
  @IsOptional()
  @IsEnum(ReportType)
  type?: ReportType;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  organizationId?: string;
}

export class AdminUpdateReportDto {
  @ApiProperty({
    enum: ReportStatus,
    enumName: 'ReportStatus',
    description: 'open → in_review | dismissed; in_review → resolved | dismissed | open',
  })
  @IsEnum(ReportStatus)
  status!: ReportStatus;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: MAX_COMMENT_LENGTH,
    description: 'Required for resolved and dismissed; shown to the reporter',
  })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Length(1, MAX_COMMENT_LENGTH)
  resolution?: string;
}

export class AddReportCommentDto {
  @ApiProperty({ minLength: 1, maxLength: MAX_COMMENT_LENGTH })
  @Transform(trim)
  @IsString()
  @Length(1, MAX_COMMENT_LENGTH)
  body!: string;

  @ApiPropertyOptional({ default: false, description: 'Shown to the reporter (and notifies them) when true' })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  visibleToReporter: boolean = false;
}

// ---- responses ----

export class ReportEventDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ReportEventKind, enumName: 'ReportEventKind' })
  kind!: ReportEventKind;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'Who did it; null in the reporter view for staff actions, and for deleted users',
  })
  actorId!: string | null;

  @ApiProperty({ description: 'Done by the reporter themselves' })
  byReporter!: boolean;

  @ApiProperty({ enum: ReportStatus, enumName: 'ReportStatus', nullable: true })
  fromStatus!: ReportStatus | null;

  @ApiProperty({ enum: ReportStatus, enumName: 'ReportStatus', nullable: true })
  toStatus!: ReportStatus | null;

  @ApiProperty({ type: String, nullable: true, description: 'Comment text, or the resolution of a status change' })
  body!: string | null;

  @ApiProperty()
  visibleToReporter!: boolean;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class ReportDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ReportType, enumName: 'ReportType' })
  type!: ReportType;

  @ApiProperty({ enum: ReportReason, enumName: 'ReportReason', nullable: true })
  reason!: ReportReason | null;

  @ApiProperty({ type: String, nullable: true })
  title!: string | null;

  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  @ApiProperty({ enum: ReportStatus, enumName: 'ReportStatus' })
  status!: ReportStatus;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  organizationId!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  targetMessageId!: string | null;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The reported user, or the author of the reported message',
  })
  targetUserId!: string | null;

  @ApiProperty({ type: String, nullable: true })
  resolution!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  @ApiProperty({ format: 'date-time' })
  statusChangedAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  closedAt!: string | null;
}

export class ReportDetailDto extends ReportDto {
  @ApiProperty({ type: [ReportEventDto], description: 'Status changes and the comments meant for you, oldest first' })
  events!: ReportEventDto[];
}

export class ReportPageDto {
  @ApiProperty({ type: [ReportDto], description: 'Newest first' })
  items!: ReportDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class MessageSnapshotDto {
  @ApiProperty({ format: 'uuid' })
  messageId!: string;

  @ApiProperty({ format: 'uuid' })
  conversationId!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  authorId!: string | null;

  @ApiProperty({ type: String, nullable: true })
  authorUsername!: string | null;

  @ApiProperty({ description: 'The text when it was reported' })
  body!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  editedAt!: string | null;
}

export class ReportUserRefDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  username!: string;

  @ApiProperty({ type: String, nullable: true })
  email!: string | null;
}

export class AdminReportDto extends ReportDto {
  @ApiProperty({ type: ReportUserRefDto })
  reporter!: ReportUserRefDto;

  @ApiProperty({ type: ReportUserRefDto, nullable: true })
  targetUser!: ReportUserRefDto | null;

  @ApiProperty({
    type: MessageSnapshotDto,
    nullable: true,
    description: 'Message reports: the message as it was when reported',
  })
  messageSnapshot!: MessageSnapshotDto | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  closedById!: string | null;
}

export class AdminReportDetailDto extends AdminReportDto {
  @ApiProperty({ type: [ReportEventDto], description: 'Full history incl. internal comments, oldest first' })
  events!: ReportEventDto[];
}

export class AdminReportPageDto {
  @ApiProperty({ type: [AdminReportDto], description: 'Newest first' })
  items!: AdminReportDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class ReportCountsDto {
  @ApiProperty()
  open!: number;

  @ApiProperty()
  in_review!: number;

  @ApiProperty()
  resolved!: number;

  @ApiProperty()
  dismissed!: number;

  @ApiProperty()
  withdrawn!: number;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsEnum,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { FolderRole } from './mail-folder.entity';
import { IsIsoDateTime } from 'src/common/http/iso-date-time.decorator';

const toBool = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

export class MailFolderDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'INBOX' })
  path!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ enum: FolderRole, enumName: 'MailFolderRole', nullable: true })
  role!: FolderRole | null;

  @ApiProperty()
  total!: number;

  @ApiProperty()
  unseen!: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastSyncedAt!: string | null;
}

export class MailAddressDto {
  @ApiProperty({ type: String, nullable: true })
  name!: string | null;

  @ApiProperty({ type: String, nullable: true })
  address!: string | null;
}

export class AttachmentMetaDto {
  @ApiProperty()
  index!: number;

  @ApiProperty({ type: String, nullable: true })
  filename!: string | null;

  @ApiProperty()
  contentType!: string;

  @ApiProperty()
  size!: number;

  @ApiProperty({ type: String, nullable: true })
  contentId!: string | null;

  @ApiProperty()
  inline!: boolean;
}

export class MailMessageSummaryDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  accountId!: string;

  @ApiProperty({ format: 'uuid' })
  folderId!: string;

  @ApiProperty()
  uid!: number;

  @ApiProperty({ type: String, nullable: true })
  messageId!: string | null;

  @ApiProperty({ type: String, nullable: true })
  threadId!: string | null;

  @ApiProperty({ type: String, nullable: true })
  subject!: string | null;

  @ApiProperty({ type: MailAddressDto, nullable: true })
  from!: MailAddressDto | null;

  @ApiProperty({ type: [MailAddressDto] })
  to!: MailAddressDto[];

  @ApiProperty({ type: [String] })
  flags!: string[];

  @ApiProperty()
  seen!: boolean;

  @ApiProperty()
  flagged!: boolean;

  @ApiProperty()
  hasAttachments!: boolean;

  @ApiProperty()
  size!: number;

  @ApiProperty()
  preview!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  sentAt!: string | null;

  @ApiProperty({ format: 'date-time' })
  internalDate!: string;
}

export class MailMessageDto extends MailMessageSummaryDto {
  @ApiProperty({ type: [MailAddressDto] })
  cc!: MailAddressDto[];

  @ApiProperty({ type: [MailAddressDto] })
  replyTo!: MailAddressDto[];

  @ApiProperty({ type: String, nullable: true })
  inReplyTo!: string | null;

  @ApiProperty({ type: [String] })
  references!: string[];

  @ApiProperty({ type: String, nullable: true })
  text!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Sanitized: no scripts, styles inline only' })
  html!: string | null;

  @ApiProperty({ type: [AttachmentMetaDto] })
  attachments!: AttachmentMetaDto[];
}

export class MessageListQueryDto {
  @ApiProperty({ format: 'uuid', description: 'The folder to list' })
  @IsUUID()
  folderId!: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit: number = 50;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor must be a cursor returned by this list' })
  @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({ description: 'Only unread (true) or read (false) messages' })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  unread?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  flagged?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  hasAttachments?: boolean;

  @ApiPropertyOptional({ description: 'Sender address or name contains this (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Received at or after' })
  @IsOptional()
  @IsIsoDateTime()
  since?: Date;

  @ApiPropertyOptional({ format: 'date-time', description: 'Received before' })
  @IsOptional()
  @IsIsoDateTime()
  before?: Date;
}

export enum MailSearchSort {
  Relevance = 'relevance',
  Date = 'date',
}

/** Relevance is computed over at most this many newest matches: a query matching half of a 100k mailbox stays fast. */
export const SEARCH_RANK_WINDOW = 2000;

export class MailSearchQueryDto {
  @ApiProperty({
    example: 'invoice from:acme -draft',
    description: 'Words (all must match), "quoted phrases", -excluded, OR; over subject, addresses and text',
  })
  @IsString()
  @Length(1, 500)
  q!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only this account (default: all your accounts here)' })
  @IsOptional()
  @IsUUID()
  accountId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  folderId?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 25 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 25;

  @ApiPropertyOptional({ minimum: 0, maximum: 1000, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1000)
  offset: number = 0;

  @ApiPropertyOptional({
    enum: MailSearchSort,
    enumName: 'MailSearchSort',
    default: MailSearchSort.Relevance,
    description: `relevance: ranked among the newest ${SEARCH_RANK_WINDOW} matches (narrow the query to reach older ones); date: every match, newest first`,
  })
  @IsOptional()
  @IsEnum(MailSearchSort)
  sort: MailSearchSort = MailSearchSort.Relevance;
}

export class MailSearchHitDto extends MailMessageSummaryDto {
  @ApiProperty({ description: 'Relevance (ts_rank_cd): subject weighs more than addresses, addresses more than text' })
  rank!: number;
}

export class MailSearchResultDto {
  @ApiProperty({ type: [MailSearchHitDto] })
  items!: MailSearchHitDto[];

  @ApiProperty()
  limit!: number;

  @ApiProperty()
  offset!: number;
}

export class MailMessagePageDto {
  @ApiProperty({ type: [MailMessageSummaryDto] })
  items!: MailMessageSummaryDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page; null at the end' })
  nextCursor!: string | null;
}

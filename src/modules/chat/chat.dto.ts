import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { ChatMessageKind } from './chat-message.entity';
import { ConversationRole } from './conversation-member.entity';
import { ConversationType } from './conversation.entity';
import { IsIsoDateTime } from 'src/common/http/iso-date-time.decorator';

export const MAX_BODY_LENGTH = 10_000;
export const MAX_GROUP_MEMBERS = 500;
/** Upper bound of attachments per message in the schema; CHAT_ATTACHMENT_MAX_FILES may set a lower one. */
export const MAX_MESSAGE_ATTACHMENTS = 100;

const toBool = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;
const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

// ---- requests ----

export class CreateConversationDto {
  @ApiProperty({
    enum: [ConversationType.Direct, ConversationType.Group],
    enumName: 'NewConversationType',
    description: 'Imported conversations come from POST /chat/imports',
  })
  @IsIn([ConversationType.Direct, ConversationType.Group])
  type!: ConversationType.Direct | ConversationType.Group;

  @ApiPropertyOptional({ description: 'Group title (required for groups, not allowed for direct)', maxLength: 200 })
  @ValidateIf((o: CreateConversationDto) => o.type === ConversationType.Group || o.title !== undefined)
  @Transform(trim)
  @IsString()
  @Length(1, 200)
  title?: string;

  @ApiProperty({
    type: [String],
    format: 'uuid',
    description: 'Other participants (organization members). Direct: exactly one user; group: up to 500',
  })
  @IsUUID('all', { each: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_GROUP_MEMBERS)
  memberIds!: string[];
}

export class UpdateConversationDto {
  @ApiProperty({ maxLength: 200 })
  @Transform(trim)
  @IsString()
  @Length(1, 200)
  title!: string;
}

export class AddMembersDto {
  @ApiProperty({ type: [String], format: 'uuid' })
  @IsUUID('all', { each: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_GROUP_MEMBERS)
  userIds!: string[];
}

export class UpdateMembershipDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  archived?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  muted?: boolean;
}

export class ListConversationsQueryDto {
  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 30 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 30;

  @ApiPropertyOptional({ description: 'true: only archived conversations; false (default): only the others' })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  archived: boolean = false;
}

export class SendMessageDto {
  @ApiPropertyOptional({
    minLength: 1,
    maxLength: MAX_BODY_LENGTH,
    description: 'Required unless attachmentIds names at least one file',
  })
  @ValidateIf((o: SendMessageDto) => o.body !== undefined || !o.attachmentIds?.length)
  @IsString()
  @Length(1, MAX_BODY_LENGTH)
  @Matches(/\S/, { message: 'body must not be blank' })
  body?: string;

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    maxItems: MAX_MESSAGE_ATTACHMENTS,
    description: 'Files uploaded to this conversation by you and not yet attached (POST …/attachments)',
  })
  @IsOptional()
  @ArrayMaxSize(MAX_MESSAGE_ATTACHMENTS)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  attachmentIds?: string[];

  @ApiPropertyOptional({ format: 'uuid', description: 'A message of the same conversation this one answers' })
  @IsOptional()
  @IsUUID()
  replyToId?: string;

  @ApiPropertyOptional({
    description: 'Idempotency key (or the Idempotency-Key header): a retry with the same key returns the first message',
    maxLength: 255,
  })
  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{1,255}$/, { message: 'clientMessageId must be 1-255 visible ASCII characters' })
  clientMessageId?: string;
}

export class EditMessageDto {
  @ApiProperty({ minLength: 1, maxLength: MAX_BODY_LENGTH })
  @IsString()
  @Length(1, MAX_BODY_LENGTH)
  @Matches(/\S/, { message: 'body must not be blank' })
  body!: string;
}

export class ListMessagesQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Older than this message (newest first). Default mode' })
  @IsOptional()
  @IsUUID()
  before?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Newer than this message (oldest first)' })
  @IsOptional()
  @IsUUID()
  after?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description:
      'Reconnect catch-up: messages created, edited or deleted after this time (oldest first); page on with `after`',
  })
  @IsOptional()
  @IsIsoDateTime()
  since?: Date;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 50;
}

export class MarkReadDto {
  @ApiProperty({ format: 'uuid', description: 'The newest message read; the read position never moves back' })
  @IsUUID()
  messageId!: string;
}

export class ChatSearchQueryDto {
  @ApiProperty({ description: 'websearch syntax: words, "phrases", -excluded, OR', maxLength: 500 })
  @IsString()
  @Length(1, 500)
  @Matches(/\S/, { message: 'q must not be blank' })
  q!: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  conversationId?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 30 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 30;
}

// ---- responses ----

export class ChatAttachmentDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  filename!: string;

  @ApiProperty()
  contentType!: string;

  @ApiProperty({ description: 'Bytes' })
  size!: number;

  @ApiProperty({ description: 'Hex SHA-256 of the bytes' })
  sha256!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class ChatMessageMediaDto {
  @ApiPropertyOptional({ description: 'File name the export gives' })
  filename?: string;

  @ApiPropertyOptional({ description: 'image, video, audio, voice, sticker, gif, document or contact' })
  type?: string;
}

export class ChatMessageDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  conversationId!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'null once the author was deleted' })
  authorId!: string | null;

  @ApiProperty({ description: 'Empty when deleted' })
  body!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  replyToId!: string | null;

  @ApiProperty({ type: String, nullable: true })
  clientMessageId!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  editedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  deletedAt!: string | null;

  @ApiProperty()
  deleted!: boolean;

  @ApiProperty({ type: [ChatAttachmentDto], description: 'Empty when deleted' })
  attachments!: ChatAttachmentDto[];

  @ApiProperty({
    type: [String],
    format: 'uuid',
    description: 'Members of the conversation mentioned with @username (empty once deleted)',
  })
  mentions!: string[];

  @ApiProperty({
    enum: ChatMessageKind,
    enumName: 'ChatMessageKind',
    description: 'text for messages sent here; imported ones may be system notices, media placeholders or deleted',
  })
  kind!: ChatMessageKind;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Imported messages: the sender as the export names them (authorId is set only when matched)',
  })
  authorName!: string | null;

  @ApiProperty({ type: ChatMessageMediaDto, nullable: true, description: 'Imported media placeholder' })
  media!: ChatMessageMediaDto | null;
}

export class ChatMessagePageDto {
  @ApiProperty({ type: [ChatMessageDto], description: 'Newest first by default; oldest first with after/since' })
  items!: ChatMessageDto[];

  @ApiProperty({ description: 'More messages exist in the same direction' })
  hasMore!: boolean;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'Pass as `before` (default order) or `after` (after/since) for the next page',
  })
  nextCursor!: string | null;
}

export class ConversationMemberDto {
  @ApiProperty({ format: 'uuid' })
  userId!: string;

  @ApiProperty({ enum: ConversationRole, enumName: 'ConversationRole' })
  role!: ConversationRole;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  lastReadMessageId!: string | null;

  @ApiProperty({ format: 'date-time' })
  joinedAt!: string;
}

export class ConversationDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ConversationType, enumName: 'ConversationType' })
  type!: ConversationType;

  @ApiProperty({ type: String, nullable: true })
  title!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  createdById!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastMessageAt!: string | null;

  @ApiProperty({ type: [ConversationMemberDto] })
  members!: ConversationMemberDto[];

  @ApiProperty({ description: 'Your own settings for it' })
  muted!: boolean;

  @ApiProperty()
  archived!: boolean;

  @ApiProperty({ enum: ConversationRole, enumName: 'ConversationRole' })
  myRole!: ConversationRole;
}

export class ConversationSummaryDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ConversationType, enumName: 'ConversationType' })
  type!: ConversationType;

  @ApiProperty({ type: String, nullable: true })
  title!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastMessageAt!: string | null;

  @ApiProperty({ type: ChatMessageDto, nullable: true })
  lastMessage!: ChatMessageDto | null;

  @ApiProperty({ description: 'Messages by others after your read position' })
  unreadCount!: number;

  @ApiProperty()
  muted!: boolean;

  @ApiProperty()
  archived!: boolean;
}

export class ConversationPageDto {
  @ApiProperty({ type: [ConversationSummaryDto], description: 'Most recent activity first' })
  items!: ConversationSummaryDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class ReadStateDto {
  @ApiProperty({ format: 'uuid' })
  conversationId!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  lastReadMessageId!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastReadAt!: string | null;

  @ApiProperty()
  unreadCount!: number;
}

export class ConversationUnreadDto {
  @ApiProperty({ format: 'uuid' })
  conversationId!: string;

  @ApiProperty()
  count!: number;
}

export class UnreadCountDto {
  @ApiProperty()
  total!: number;

  @ApiProperty({ type: [ConversationUnreadDto], description: 'Conversations with at least one unread message' })
  conversations!: ConversationUnreadDto[];
}

export class ReadAllResultDto {
  @ApiProperty({ description: 'Conversations whose read position moved' })
  conversations!: number;
}

export class ChatSearchHitDto extends ChatMessageDto {
  @ApiProperty()
  rank!: number;
}

export class ChatSearchResultDto {
  @ApiProperty({ type: [ChatSearchHitDto], description: 'Best matches first, then newest' })
  items!: ChatSearchHitDto[];
}

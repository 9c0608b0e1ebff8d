import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEnum, IsIn, IsOptional, IsString, Length } from 'class-validator';
import { CursorPageQueryDto } from 'src/common/http/pagination.dto';
import { ChatImportDateOrderSource, ChatImportPlatform, ChatImportStatus } from './chat-import.entity';
import { DATE_ORDERS, type DateOrder } from './whatsapp.parser';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

// ---- requests ----

/** The form fields of `POST /chat/imports` (beside the `file` part), validated like a JSON body. */
export class CreateChatImportDto {
  @ApiProperty({ enum: ChatImportPlatform, enumName: 'ChatImportPlatform' })
  @IsEnum(ChatImportPlatform)
  platform!: ChatImportPlatform;

  @ApiPropertyOptional({ description: 'Conversation title; default: from the export', maxLength: 200 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Length(1, 200)
  title?: string;

  @ApiPropertyOptional({
    description: 'IANA zone of the exporting phone (WhatsApp times are its wall clock); default: your profile zone',
    maxLength: 64,
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  timeZone?: string;

  @ApiPropertyOptional({
    description:
      'Telegram "Export Telegram data" (all chats): the chat to import, by index in chats.list, id or exact name. ' +
      'Needed when more than one chat has messages',
    maxLength: 200,
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  chat?: string;

  @ApiPropertyOptional({
    enum: DATE_ORDERS,
    enumName: 'ChatImportDayMonthOrder',
    description:
      'WhatsApp: read a/b/yy dates day-first (DMY) or month-first (MDY), whatever the file suggests (a date that ' +
      'is invalid in this order then fails the import). Default: decided from the file, then your profile locale',
  })
  @IsOptional()
  @IsIn(DATE_ORDERS)
  dateOrder?: DateOrder;
}

export class ListChatImportsQueryDto extends CursorPageQueryDto {}

export enum ChatExportFormat {
  Json = 'json',
  Text = 'text',
}

export class ExportConversationQueryDto {
  @ApiPropertyOptional({
    enum: ChatExportFormat,
    enumName: 'ChatExportFormat',
    default: ChatExportFormat.Json,
    description: 'json: one document; text: WhatsApp-like lines "[2024-01-31 14:05:00] Name: text" (UTC)',
  })
  @IsOptional()
  @IsEnum(ChatExportFormat)
  format: ChatExportFormat = ChatExportFormat.Json;
}

// ---- responses ----

export class ChatImportProgressDto {
  @ApiProperty({ description: 'Messages stored so far' })
  processed!: number;

  @ApiPropertyOptional({ type: Number, nullable: true, description: 'Messages in the file, once known' })
  total!: number | null;
}

export class ChatImportErrorDto {
  @ApiProperty({ example: 'CHAT_IMPORT_MALFORMED' })
  code!: string;

  @ApiProperty()
  message!: string;

  @ApiPropertyOptional({ description: 'WhatsApp: 1-based line of the file' })
  line?: number;

  @ApiPropertyOptional({ description: 'Telegram: 0-based index in messages' })
  entry?: number;

  @ApiPropertyOptional({ description: 'Telegram: JSON path of the bad value' })
  path?: string;
}

export class ChatImportDateOrderDto {
  @ApiProperty({ enum: DATE_ORDERS, enumName: 'ChatImportDayMonthOrder' })
  order!: DateOrder;

  @ApiProperty({
    enum: ChatImportDateOrderSource,
    enumName: 'ChatImportDateOrderSource',
    description:
      'request: the dateOrder field; content: a day > 12 in the file; sequence: the order in which the messages ' +
      'follow each other; locale: your profile locale; default: nothing told (day-first)',
  })
  decidedBy!: ChatImportDateOrderSource;
}

export class ChatImportDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ChatImportStatus, enumName: 'ChatImportStatus' })
  status!: ChatImportStatus;

  @ApiProperty({ enum: ChatImportPlatform, enumName: 'ChatImportPlatform' })
  platform!: ChatImportPlatform;

  @ApiProperty({ type: String, nullable: true, description: 'The title asked for (null: from the export)' })
  title!: string | null;

  @ApiProperty()
  filename!: string;

  @ApiProperty({ description: 'Bytes uploaded' })
  size!: number;

  @ApiProperty({ type: ChatImportProgressDto })
  progress!: ChatImportProgressDto;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'Set once completed' })
  conversationId!: string | null;

  @ApiPropertyOptional({ type: ChatImportErrorDto, nullable: true, description: 'Set when failed' })
  error!: ChatImportErrorDto | null;

  @ApiProperty({
    type: ChatImportDateOrderDto,
    nullable: true,
    description:
      'WhatsApp: how day and month were read, once known (in the answer to the upload when the file was ' +
      'validated then, else once completed); null for Telegram and year-first dates. To swap day and month, ' +
      'import the file again with dateOrder set to the other order',
  })
  dateOrder!: ChatImportDateOrderDto | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  finishedAt!: string | null;
}

export class ChatImportPageDto {
  @ApiProperty({ type: [ChatImportDto], description: 'Newest first' })
  items!: ChatImportDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Cursor of the next page; null on the last one' })
  nextCursor!: string | null;
}

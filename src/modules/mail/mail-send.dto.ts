import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsEnum,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { CursorPageQueryDto } from 'src/common/http/pagination.dto';
import { ReferenceMode, SentCopyState, SubmissionStatus } from './mail-submission.entity';
import { IsIsoDateTime } from 'src/common/http/iso-date-time.decorator';

const MAX_RECIPIENTS = 100;
const MAX_BODY = 2 * 1024 * 1024;

export class RecipientDto {
  @ApiPropertyOptional({ maxLength: 200, example: 'Ada Lovelace' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiProperty({ maxLength: 320, example: 'ada@example.com' })
  @IsEmail({ require_tld: false })
  @MaxLength(320)
  address!: string;
}

export class AttachmentRefDto {
  @ApiProperty({ format: 'uuid', description: 'An upload of the same account (POST …/uploads)' })
  @IsUUID()
  uploadId!: string;

  @ApiPropertyOptional({ maxLength: 255, description: "File name in the message; the upload's by default" })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  filename?: string;
}

/** The message itself: what a draft saves and a send sends. */
export class ComposeMailDto {
  @ApiPropertyOptional({ type: [RecipientDto], maxItems: MAX_RECIPIENTS })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_RECIPIENTS)
  @ValidateNested({ each: true })
  @Type(() => RecipientDto)
  to?: RecipientDto[];

  @ApiPropertyOptional({ type: [RecipientDto], maxItems: MAX_RECIPIENTS })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_RECIPIENTS)
  @ValidateNested({ each: true })
  @Type(() => RecipientDto)
  cc?: RecipientDto[];

  @ApiPropertyOptional({ type: [RecipientDto], maxItems: MAX_RECIPIENTS, description: 'In the envelope only' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_RECIPIENTS)
  @ValidateNested({ each: true })
  @Type(() => RecipientDto)
  bcc?: RecipientDto[];

  @ApiPropertyOptional({ type: [RecipientDto], maxItems: 10 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => RecipientDto)
  replyTo?: RecipientDto[];

  @ApiPropertyOptional({ maxLength: 998, description: 'With inReplyTo, "Re: " / "Fwd: " + the original by default' })
  @IsOptional()
  @IsString()
  @MaxLength(998)
  subject?: string;

  @ApiPropertyOptional({ maxLength: MAX_BODY })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_BODY)
  text?: string;

  @ApiPropertyOptional({ maxLength: MAX_BODY })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_BODY)
  html?: string;

  @ApiPropertyOptional({ type: [AttachmentRefDto], description: 'Uploaded files (POST …/uploads)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => AttachmentRefDto)
  attachments?: AttachmentRefDto[];

  @ApiPropertyOptional({
    description:
      'A stored message of this account to answer or forward: its id (uuid) or its Message-ID. Fills recipients, ' +
      'subject, In-Reply-To and References from it.',
    maxLength: 998,
  })
  @IsOptional()
  @IsString()
  @Length(1, 998)
  inReplyTo?: string;

  @ApiPropertyOptional({ enum: ReferenceMode, enumName: 'MailReferenceMode', default: ReferenceMode.Reply })
  @ValidateIf((dto: ComposeMailDto) => dto.mode !== undefined || dto.inReplyTo !== undefined)
  @IsOptional()
  @IsEnum(ReferenceMode)
  mode?: ReferenceMode;
}

export class SendMailDto extends ComposeMailDto {
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'Scheduled send: a delayed job until then (cancellable); now when absent or past',
  })
  @IsOptional()
  @IsIsoDateTime({ keepString: true })
  sendAt?: string;

  @ApiPropertyOptional({
    description: 'Append a copy to the Sent folder (default true; skipped anyway for Gmail, which files it itself)',
  })
  @IsOptional()
  @IsBoolean()
  copy?: boolean;
}

export class SendDraftDto {
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @IsIsoDateTime({ keepString: true })
  sendAt?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  copy?: boolean;
}

export class OutboxQueryDto extends CursorPageQueryDto {
  @ApiPropertyOptional({ enum: SubmissionStatus, enumName: 'MailSubmissionStatus' })
  @IsOptional()
  @IsEnum(SubmissionStatus)
  status?: SubmissionStatus;
}

export class OutgoingAddressDto {
  @ApiProperty({ type: String, nullable: true })
  name!: string | null;

  @ApiProperty({ type: String, nullable: true })
  address!: string | null;
}

export class OutgoingAttachmentDto {
  @ApiProperty({ format: 'uuid' })
  uploadId!: string;

  @ApiProperty()
  filename!: string;

  @ApiProperty()
  contentType!: string;

  @ApiProperty()
  size!: number;
}

export class MailSubmissionDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  accountId!: string;

  @ApiProperty({ enum: SubmissionStatus, enumName: 'MailSubmissionStatus' })
  status!: SubmissionStatus;

  @ApiProperty({ description: 'Message-ID without angle brackets' })
  messageId!: string;

  @ApiProperty()
  subject!: string;

  @ApiProperty({ type: [OutgoingAddressDto] })
  to!: OutgoingAddressDto[];

  @ApiProperty({ type: [OutgoingAddressDto] })
  cc!: OutgoingAddressDto[];

  @ApiProperty({ type: [OutgoingAddressDto] })
  bcc!: OutgoingAddressDto[];

  @ApiProperty({ type: String, nullable: true })
  inReplyTo!: string | null;

  @ApiProperty({ type: [String] })
  references!: string[];

  @ApiProperty({ enum: ReferenceMode, enumName: 'MailReferenceMode', nullable: true })
  referenceMode!: ReferenceMode | null;

  @ApiProperty({ type: [OutgoingAttachmentDto] })
  attachments!: OutgoingAttachmentDto[];

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  sendAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  sentAt!: string | null;

  @ApiProperty({ enum: SentCopyState, enumName: 'MailSentCopyState', nullable: true })
  sentCopy!: SentCopyState | null;

  @ApiProperty()
  attempts!: number;

  @ApiProperty({ type: String, nullable: true })
  error!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;
}

export class MailSubmissionPageDto {
  @ApiProperty({ type: [MailSubmissionDto] })
  items!: MailSubmissionDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class MailUploadDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  filename!: string;

  @ApiProperty()
  contentType!: string;

  @ApiProperty()
  size!: number;

  @ApiProperty({ description: 'Hex SHA-256 of the bytes' })
  sha256!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;
}

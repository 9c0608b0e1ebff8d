import { ApiProperty, ApiPropertyOptional, IntersectionType, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsEmail,
  IsEnum,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { IsIsoDateTime } from 'src/common/http/iso-date-time.decorator';
import { CursorPageQueryDto, PageMetaDto, PageQueryDto } from 'src/common/http/pagination.dto';
import { ContactStatus } from './contact.entity';
import { SubscriptionStatus } from './contact-list.entity';
import { SuppressionReason } from './suppression.entity';

/** Tags: short words (letters, digits, `-_.:`), at most 50 per contact. */
const TAG = /^[\p{L}\p{N}][\p{L}\p{N}_.:-]{0,63}$/u;
const MAX_TAGS = 50;
/** Attribute names usable in segments and merge tags: identifiers. */
export const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const MAX_ATTRIBUTES = 100;
/** Bulk actions and list additions take at most this many contacts per call. */
export const MAX_BULK = 1000;

const trimLower = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

class TagsProperty {
  @ApiPropertyOptional({ type: [String], maxItems: MAX_TAGS, example: ['vip', 'beta'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_TAGS)
  @Matches(TAG, {
    each: true,
    message: 'each tag must be 1–64 letters, digits or _.:- and start with a letter or digit',
  })
  tags?: string[];
}

export class CreateContactDto extends TagsProperty {
  @ApiProperty({ example: 'ada@example.com', maxLength: 320, description: 'Unique in the organization, any case' })
  @Transform(trimLower)
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(320)
  email!: string;

  @ApiPropertyOptional({ maxLength: 200, example: 'Ada Lovelace' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { plan: 'pro', seats: 12 },
    description: `Custom fields (names are identifiers, at most ${MAX_ATTRIBUTES}); queryable in lists and segments`,
  })
  @IsOptional()
  @IsObject({ message: 'attributes must be an object' })
  attributes?: Record<string, unknown>;

  @ApiPropertyOptional({ enum: ContactStatus, enumName: 'ContactStatus', description: 'Default: active' })
  @IsOptional()
  @IsEnum(ContactStatus)
  status?: ContactStatus;

  @ApiPropertyOptional({ maxLength: 200, example: 'signup-form', description: 'Where consent was given' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  consentSource?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'When consent was given (default: now, with a source)' })
  @IsOptional()
  @IsIsoDateTime()
  consentAt?: Date;

  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'Lists to subscribe the new contact to' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('4', { each: true })
  listIds?: string[];
}

export class UpdateContactDto extends PartialType(CreateContactDto) {}

export class ContactDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  email!: string;

  @ApiProperty({ type: String, nullable: true })
  name!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true })
  attributes!: Record<string, unknown>;

  @ApiProperty({ type: [String] })
  tags!: string[];

  @ApiProperty({ enum: ContactStatus, enumName: 'ContactStatus' })
  status!: ContactStatus;

  @ApiProperty({ type: String, nullable: true })
  consentSource!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  consentAt!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

/** Which contacts a search or an export selects. */
export class ContactFilterDto {
  @ApiPropertyOptional({ description: 'Part of the email or name, any case', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ enum: ContactStatus, enumName: 'ContactStatus' })
  @IsOptional()
  @IsEnum(ContactStatus)
  status?: ContactStatus;

  @ApiPropertyOptional({ description: 'Contacts carrying this tag' })
  @IsOptional()
  @Matches(TAG, { message: 'tag must be 1–64 letters, digits or _.:-' })
  tag?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Contacts subscribed to this list (any subscription status)' })
  @IsOptional()
  @IsUUID('4')
  listId?: string;

  @ApiPropertyOptional({
    description: 'A JSON object the contact\'s attributes must contain, e.g. {"plan":"pro"} (index-backed)',
    maxLength: 2000,
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  attributes?: string;
}

export class ContactQueryDto extends IntersectionType(CursorPageQueryDto, ContactFilterDto) {}

export class ContactPageDto {
  @ApiProperty({ type: [ContactDto], description: 'Newest first' })
  items!: ContactDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Cursor of the next page; null on the last' })
  nextCursor!: string | null;
}

export enum BulkContactAction {
  Delete = 'delete',
  Tag = 'tag',
  Untag = 'untag',
  Unsubscribe = 'unsubscribe',
  Resubscribe = 'resubscribe',
  AddToList = 'add_to_list',
  RemoveFromList = 'remove_from_list',
}

export class BulkContactsDto {
  @ApiProperty({ type: [String], format: 'uuid', minItems: 1, maxItems: MAX_BULK })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BULK)
  @ArrayUnique()
  @IsUUID('4', { each: true })
  ids!: string[];

  @ApiProperty({ enum: BulkContactAction, enumName: 'BulkContactAction' })
  @IsEnum(BulkContactAction)
  action!: BulkContactAction;

  @ApiPropertyOptional({ type: [String], description: 'For tag and untag' })
  @ValidateIf((dto: BulkContactsDto) => dto.action === BulkContactAction.Tag || dto.action === BulkContactAction.Untag)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_TAGS)
  @Matches(TAG, { each: true, message: 'each tag must be 1–64 letters, digits or _.:-' })
  tags?: string[];

  @ApiPropertyOptional({ format: 'uuid', description: 'For add_to_list and remove_from_list' })
  @ValidateIf(
    (dto: BulkContactsDto) =>
      dto.action === BulkContactAction.AddToList || dto.action === BulkContactAction.RemoveFromList,
  )
  @IsUUID('4')
  listId?: string;
}

export class BulkContactsResultDto {
  @ApiProperty({ description: 'Contacts the action changed (ids of other organizations are ignored)' })
  affected!: number;
}

export class CreateListDto {
  @ApiProperty({ maxLength: 200, example: 'Newsletter' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @ApiPropertyOptional({ maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string;

  @ApiPropertyOptional({ description: 'New subscriptions wait for the contact to confirm (default: false)' })
  @IsOptional()
  @IsBoolean()
  doubleOptIn?: boolean;
}

export class UpdateListDto extends PartialType(CreateListDto) {}

export class SubscriberCountsDto {
  @ApiProperty()
  confirmed!: number;

  @ApiProperty()
  pending!: number;

  @ApiProperty()
  unsubscribed!: number;
}

export class ListDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  @ApiProperty()
  doubleOptIn!: boolean;

  @ApiProperty({ type: SubscriberCountsDto })
  subscribers!: SubscriberCountsDto;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class ListPageDto extends PageMetaDto {
  @ApiProperty({ type: [ListDto], description: 'Newest first' })
  items!: ListDto[];
}

export class AddSubscribersDto {
  @ApiProperty({ type: [String], format: 'uuid', minItems: 1, maxItems: MAX_BULK })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BULK)
  @ArrayUnique()
  @IsUUID('4', { each: true })
  contactIds!: string[];
}

export class AddSubscribersResultDto {
  @ApiProperty({ description: 'Subscriptions created (contacts already on the list are left as they are)' })
  added!: number;

  @ApiProperty({
    enum: SubscriptionStatus,
    enumName: 'SubscriptionStatus',
    description: 'Status of the new subscriptions: pending on a double opt-in list',
  })
  status!: SubscriptionStatus;
}

export class SubscriberDto {
  @ApiProperty({ type: ContactDto })
  contact!: ContactDto;

  @ApiProperty({ enum: SubscriptionStatus, enumName: 'SubscriptionStatus' })
  status!: SubscriptionStatus;

  @ApiProperty({ format: 'date-time' })
  subscribedAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  confirmedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  unsubscribedAt!: string | null;
}

export class SubscriberQueryDto extends CursorPageQueryDto {
  @ApiPropertyOptional({ enum: SubscriptionStatus, enumName: 'SubscriptionStatus' })
  @IsOptional()
  @IsEnum(SubscriptionStatus)
  status?: SubscriptionStatus;
}

export class SubscriberPageDto {
  @ApiProperty({ type: [SubscriberDto], description: 'Newest subscription first' })
  items!: SubscriberDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class CreateSuppressionDto {
  @ApiProperty({ example: 'no-more@example.com' })
  @Transform(trimLower)
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(320)
  email!: string;

  @ApiPropertyOptional({ enum: SuppressionReason, enumName: 'SuppressionReason', description: 'Default: manual' })
  @IsOptional()
  @IsEnum(SuppressionReason)
  reason?: SuppressionReason;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}

export class SuppressionDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  email!: string;

  @ApiProperty({ enum: SuppressionReason, enumName: 'SuppressionReason' })
  reason!: SuppressionReason;

  @ApiProperty({ type: String, nullable: true })
  note!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class SuppressionQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Part of the address, any case', maxLength: 320 })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  q?: string;
}

export class SuppressionPageDto extends PageMetaDto {
  @ApiProperty({ type: [SuppressionDto], description: 'Newest first' })
  items!: SuppressionDto[];
}

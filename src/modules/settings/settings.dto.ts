import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsEnum,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  registerDecorator,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { DataExportStatus } from './data-export.entity';
import { DigestFrequency } from './notification-preferences';

function isTimeZone(value: unknown): boolean {
  if (typeof value !== 'string') {
    return false;
  }
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** An IANA time zone the runtime knows (`Europe/Paris`, `UTC`). */
function IsTimeZone(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isTimeZone',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be an IANA time zone such as Europe/Paris', ...options },
      validator: { validate: isTimeZone },
    });
}

export class ProfileDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  username!: string;

  @ApiProperty({ type: String, nullable: true })
  email!: string | null;

  @ApiProperty({ type: String, nullable: true })
  displayName!: string | null;

  @ApiProperty({ example: 'Europe/Paris' })
  timeZone!: string;

  @ApiProperty({ example: 'en-GB' })
  locale!: string;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When a requested account deletion will happen (cancel with POST /settings/account/cancel-deletion)',
  })
  deletionDueAt!: string | null;
}

export class UpdateProfileDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  displayName?: string;

  @ApiPropertyOptional({ example: 'Europe/Paris', description: 'IANA time zone' })
  @IsOptional()
  @IsTimeZone()
  timeZone?: string;

  @ApiPropertyOptional({ example: 'en-GB', description: 'BCP 47 language tag' })
  @IsOptional()
  @Matches(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, { message: 'locale must be a BCP 47 tag such as en or pt-BR' })
  @MaxLength(35)
  locale?: string;
}

export class ChannelChoicesDto {
  @ApiProperty()
  @IsBoolean()
  email!: boolean;

  @ApiProperty({ description: 'Realtime events and the in-app list' })
  @IsBoolean()
  inApp!: boolean;
}

export class NotificationCategoriesDto {
  @ApiProperty({ type: ChannelChoicesDto, description: 'Security notices; email cannot be turned off' })
  @ValidateNested()
  @Type(() => ChannelChoicesDto)
  security!: ChannelChoicesDto;

  @ApiProperty({ type: ChannelChoicesDto })
  @ValidateNested()
  @Type(() => ChannelChoicesDto)
  organization!: ChannelChoicesDto;

  @ApiProperty({ type: ChannelChoicesDto })
  @ValidateNested()
  @Type(() => ChannelChoicesDto)
  mail!: ChannelChoicesDto;

  @ApiProperty({ type: ChannelChoicesDto })
  @ValidateNested()
  @Type(() => ChannelChoicesDto)
  chat!: ChannelChoicesDto;

  @ApiProperty({ type: ChannelChoicesDto })
  @ValidateNested()
  @Type(() => ChannelChoicesDto)
  meetings!: ChannelChoicesDto;

  @ApiProperty({ type: ChannelChoicesDto })
  @ValidateNested()
  @Type(() => ChannelChoicesDto)
  campaigns!: ChannelChoicesDto;
}

export class NotificationPreferencesDto {
  @ApiProperty({ type: NotificationCategoriesDto })
  @ValidateNested()
  @Type(() => NotificationCategoriesDto)
  categories!: NotificationCategoriesDto;

  @ApiProperty({ enum: DigestFrequency, enumName: 'DigestFrequency' })
  @IsEnum(DigestFrequency)
  digest!: DigestFrequency;
}

class PartialChannelChoicesDto extends PartialType(ChannelChoicesDto) {}

export class UpdateNotificationCategoriesDto {
  @ApiPropertyOptional({ type: PartialChannelChoicesDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => PartialChannelChoicesDto)
  security?: PartialChannelChoicesDto;

  @ApiPropertyOptional({ type: PartialChannelChoicesDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => PartialChannelChoicesDto)
  organization?: PartialChannelChoicesDto;

  @ApiPropertyOptional({ type: PartialChannelChoicesDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => PartialChannelChoicesDto)
  mail?: PartialChannelChoicesDto;

  @ApiPropertyOptional({ type: PartialChannelChoicesDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => PartialChannelChoicesDto)
  chat?: PartialChannelChoicesDto;

  @ApiPropertyOptional({ type: PartialChannelChoicesDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => PartialChannelChoicesDto)
  meetings?: PartialChannelChoicesDto;

  @ApiPropertyOptional({ type: PartialChannelChoicesDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => PartialChannelChoicesDto)
  campaigns?: PartialChannelChoicesDto;
}

/** Only what is sent changes; the rest keeps its value. */
export class UpdateNotificationPreferencesDto {
  @ApiPropertyOptional({ type: UpdateNotificationCategoriesDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => UpdateNotificationCategoriesDto)
  categories?: UpdateNotificationCategoriesDto;

  @ApiPropertyOptional({ enum: DigestFrequency, enumName: 'DigestFrequency' })
  @IsOptional()
  @IsEnum(DigestFrequency)
  digest?: DigestFrequency;
}

export class DataExportDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: DataExportStatus, enumName: 'DataExportStatus' })
  status!: DataExportStatus;

  @ApiProperty({ type: Number, nullable: true, description: 'Archive size (gzip) in bytes' })
  sizeBytes!: number | null;

  @ApiProperty({ type: String, nullable: true, description: 'SHA-256 of the archive, hex' })
  sha256!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Relative download URL once ready' })
  downloadUrl!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  readyAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiresAt!: string | null;

  @ApiProperty({ type: String, nullable: true })
  error!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class DeleteAccountDto {
  @ApiProperty()
  @IsString()
  @Length(1, 128)
  password!: string;

  @ApiPropertyOptional({ description: 'A TOTP or recovery code; required when two-factor authentication is on' })
  @IsOptional()
  @IsString()
  @Length(6, 32)
  code?: string;
}

export class AccountDeletionDto {
  @ApiProperty({ type: String, format: 'date-time', description: 'When the account and its data will be deleted' })
  deletionDueAt!: string;
}

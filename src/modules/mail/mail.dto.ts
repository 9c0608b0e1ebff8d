import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsEmail,
  IsEnum,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { PageMetaDto } from 'src/common/http/pagination.dto';
import { MailSecurity, MailSyncState } from './mail-account.entity';
import { ConnectionStage } from './mail-connection';

/** A DNS name, an IPv4 address or an IPv6 literal. */
const HOST =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f:]+)$/;

const trimLower = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

/** Lower case, trimmed, an IPv6 literal without its brackets. */
const hostForm = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string'
    ? value
        .trim()
        .toLowerCase()
        .replace(/^\[([0-9a-f:.]+)\]$/, '$1')
    : value;

export class ServerSettingsDto {
  @ApiProperty({
    example: 'imap.example.com',
    description:
      'A public host; private, loopback, link-local and metadata addresses are refused (400 MAIL_HOST_NOT_ALLOWED) ' +
      'unless MAIL_ALLOW_PRIVATE_HOSTS / MAIL_ALLOWED_HOSTS allow them',
  })
  @Transform(hostForm)
  @IsString()
  @Matches(HOST, { message: 'host must be a host name or an IP address' })
  @MaxLength(255)
  host!: string;

  @ApiProperty({ example: 993, minimum: 1, maximum: 65535 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  port!: number;

  @ApiProperty({ enum: MailSecurity, enumName: 'MailSecurity' })
  @IsEnum(MailSecurity)
  security!: MailSecurity;

  @ApiPropertyOptional({ description: 'Login name; the account email when omitted' })
  @IsOptional()
  @IsString()
  @Length(1, 320)
  user?: string;

  @ApiPropertyOptional({ description: 'This side only; the top-level password when omitted', writeOnly: true })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  password?: string;
}

export class TestMailAccountDto {
  @ApiProperty({ example: 'ada@example.com' })
  @Transform(trimLower)
  @IsEmail({ require_tld: false })
  @MaxLength(320)
  email!: string;

  @ApiPropertyOptional({ description: 'Password (or app password) for both sides', writeOnly: true })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  password?: string;

  @ApiProperty({ type: ServerSettingsDto })
  @ValidateNested()
  @Type(() => ServerSettingsDto)
  imap!: ServerSettingsDto;

  @ApiProperty({ type: ServerSettingsDto })
  @ValidateNested()
  @Type(() => ServerSettingsDto)
  smtp!: ServerSettingsDto;
}

export class CreateMailAccountDto extends TestMailAccountDto {
  @ApiPropertyOptional({ example: 'Ada Lovelace', description: 'Sender name on outgoing mail' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;
}

export class UpdateMailAccountDto extends PartialType(OmitType(CreateMailAccountDto, ['email'] as const)) {}

export class SideResultDto {
  @ApiProperty()
  ok!: boolean;

  @ApiPropertyOptional({ enum: ConnectionStage, enumName: 'MailConnectionStage', description: 'Where it failed' })
  stage?: ConnectionStage;

  @ApiPropertyOptional()
  message?: string;

  @ApiProperty()
  latencyMs!: number;
}

export class ConnectionTestDto {
  @ApiProperty({ type: SideResultDto })
  imap!: SideResultDto;

  @ApiProperty({ type: SideResultDto })
  smtp!: SideResultDto;
}

export class ServerViewDto {
  @ApiProperty()
  host!: string;

  @ApiProperty()
  port!: number;

  @ApiProperty({ enum: MailSecurity, enumName: 'MailSecurity' })
  security!: MailSecurity;

  @ApiProperty()
  user!: string;
}

export class MailAccountDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  email!: string;

  @ApiProperty({ type: String, nullable: true })
  name!: string | null;

  @ApiProperty({ type: ServerViewDto })
  imap!: ServerViewDto;

  @ApiProperty({ type: ServerViewDto })
  smtp!: ServerViewDto;

  @ApiProperty()
  paused!: boolean;

  @ApiProperty({ enum: MailSyncState, enumName: 'MailSyncState' })
  syncState!: MailSyncState;

  @ApiProperty({ type: String, nullable: true })
  lastError!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastErrorAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastSyncedAt!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class MailAccountPageDto extends PageMetaDto {
  @ApiProperty({ type: [MailAccountDto] })
  items!: MailAccountDto[];
}

export class AutodiscoverQueryDto {
  @ApiProperty({ example: 'ada@gmail.com' })
  @Transform(trimLower)
  @IsEmail({ require_tld: false })
  email!: string;
}

export class AutodiscoverDto {
  @ApiProperty({ example: 'Gmail' })
  provider!: string;

  @ApiProperty({ enum: ['known-provider', 'mx', 'srv', 'guess'], description: 'How the settings were found' })
  source!: 'known-provider' | 'mx' | 'srv' | 'guess';

  @ApiProperty({ type: ServerViewDto })
  imap!: ServerViewDto;

  @ApiProperty({ type: ServerViewDto })
  smtp!: ServerViewDto;

  @ApiProperty({ description: 'The provider wants an app password rather than the account password' })
  appPassword!: boolean;

  @ApiPropertyOptional()
  notes?: string;
}

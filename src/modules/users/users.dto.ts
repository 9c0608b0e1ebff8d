import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsEnum,
  IsOptional,
  IsString,
  IsStrongPassword,
  IsUUID,
  Length,
  Matches,
  MaxLength,
} from 'class-validator';
import { Role } from 'src/common/auth/auth-user';
import { PageMetaDto, PageQueryDto } from 'src/common/http/pagination.dto';
import { AuditEventType } from './audit-event.entity';
import { IsIsoDateTime } from 'src/common/http/iso-date-time.decorator';

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{2,31}$/;
const lower = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

/** Password rule: 10–128 characters with a lower-case letter, an upper-case letter and a digit. */
export function IsPassword(): PropertyDecorator {
  return (target, key) => {
    IsStrongPassword(
      { minLength: 10, minLowercase: 1, minUppercase: 1, minNumbers: 1, minSymbols: 0 },
      {
        message: `${String(key)} must be 10–128 characters with a lower-case letter, an upper-case letter and a digit`,
      },
    )(target, key);
    MaxLength(128)(target, key);
  };
}

export class EmailField {
  @ApiProperty({ example: 'ada@example.com' })
  @Transform(lower)
  @IsEmail()
  @MaxLength(320)
  email!: string;
}

export class UsernameField {
  @ApiProperty({ example: 'ada', description: '3–32 characters: a-z, 0-9, dot, underscore, dash' })
  @Transform(lower)
  @Matches(USERNAME_PATTERN, { message: 'username must be 3–32 characters of a-z, 0-9, ".", "_" or "-"' })
  username!: string;
}

export class UserResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiPropertyOptional({ nullable: true })
  email!: string | null;

  @ApiProperty()
  username!: string;

  @ApiPropertyOptional({ nullable: true })
  displayName!: string | null;

  @ApiProperty({ enum: Role, enumName: 'Role' })
  role!: Role;

  @ApiProperty()
  isActive!: boolean;

  @ApiProperty()
  emailVerified!: boolean;

  @ApiProperty()
  twoFactorEnabled!: boolean;

  @ApiPropertyOptional({ nullable: true })
  lastLoginAt!: string | null;

  @ApiProperty()
  createdAt!: string;
}

export class UserPageDto extends PageMetaDto {
  @ApiProperty({ type: [UserResponseDto] })
  items!: UserResponseDto[];
}

export class ListUsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Matches email, username or display name (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;

  @ApiPropertyOptional({ enum: Role, enumName: 'Role' })
  @IsOptional()
  @IsEnum(Role)
  role?: Role;

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  isActive?: boolean;
}

export class AdminCreateUserDto extends IntersectionType(EmailField, UsernameField) {
  @ApiProperty()
  @IsPassword()
  password!: string;

  @ApiPropertyOptional({ enum: Role, enumName: 'Role', default: Role.User })
  @IsOptional()
  @IsEnum(Role)
  role?: Role;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 100)
  displayName?: string;

  @ApiPropertyOptional({ description: 'Mark the email as verified' })
  @IsOptional()
  @IsBoolean()
  emailVerified?: boolean;
}

export class UpdateRoleDto {
  @ApiProperty({ enum: Role, enumName: 'Role' })
  @IsEnum(Role)
  role!: Role;
}

export class AuditEventDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: AuditEventType, enumName: 'AuditEventType' })
  type!: AuditEventType;

  @ApiPropertyOptional({ nullable: true, format: 'uuid' })
  actorId!: string | null;

  @ApiPropertyOptional({ nullable: true, format: 'uuid' })
  subjectId!: string | null;

  @ApiPropertyOptional({ nullable: true })
  ip!: string | null;

  @ApiPropertyOptional({ nullable: true })
  userAgent!: string | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true })
  metadata!: Record<string, unknown> | null;

  @ApiProperty()
  createdAt!: string;
}

export class AuditPageDto extends PageMetaDto {
  @ApiProperty({ type: [AuditEventDto] })
  items!: AuditEventDto[];
}

export class ListAuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: AuditEventType, enumName: 'AuditEventType' })
  @IsOptional()
  @IsEnum(AuditEventType)
  type?: AuditEventType;

  @ApiPropertyOptional({ format: 'uuid', description: 'The user the event concerns' })
  @IsOptional()
  @IsUUID()
  subjectId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The user who acted' })
  @IsOptional()
  @IsUUID()
  actorId?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsIsoDateTime()
  from?: Date;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsIsoDateTime()
  to?: Date;
}

import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsEnum,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  MinDate,
  registerDecorator,
  type ValidationOptions,
} from 'class-validator';
import { PageMetaDto, PageQueryDto } from 'src/common/http/pagination.dto';
import { parseCidr } from 'src/common/net/address-policy';
import { OrgRole } from './membership.entity';
import { Plan } from './organization.entity';
import { ALL_PERMISSIONS, Permission } from './permissions';
import { Feature, QuotaKey } from './plans';
import { UserResponseDto } from 'src/modules/users/users.dto';
import { IsIsoDateTime } from 'src/common/http/iso-date-time.decorator';

const SLUG = /^[a-z0-9](?:[a-z0-9-]{1,48}[a-z0-9])$/;
const trimLower = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

export class CreateOrganizationDto {
  @ApiProperty({ example: 'Acme Inc.' })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiPropertyOptional({
    example: 'acme',
    description: '3–50 of a-z, 0-9 and inner dashes; derived from the name when omitted',
  })
  @IsOptional()
  @Transform(trimLower)
  @Matches(SLUG, { message: 'slug must be 3–50 characters of a-z, 0-9 and inner dashes' })
  slug?: string;
}

export class UpdateOrganizationDto extends PartialType(CreateOrganizationDto) {}

export class OrganizationDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty()
  slug!: string;

  @ApiProperty({ enum: Plan, enumName: 'Plan' })
  plan!: Plan;

  @ApiProperty({ enum: OrgRole, enumName: 'OrgRole', description: 'Your role in it' })
  role!: OrgRole;

  @ApiProperty()
  createdAt!: string;
}

export class MemberDto {
  @ApiProperty({ format: 'uuid' })
  userId!: string;

  @ApiProperty()
  username!: string;

  @ApiPropertyOptional({ nullable: true })
  displayName!: string | null;

  @ApiPropertyOptional({ nullable: true })
  email!: string | null;

  @ApiProperty({ enum: OrgRole, enumName: 'OrgRole' })
  role!: OrgRole;

  @ApiProperty()
  joinedAt!: string;
}

export class MemberPageDto extends PageMetaDto {
  @ApiProperty({ type: [MemberDto] })
  items!: MemberDto[];
}

export class UpdateMemberRoleDto {
  @ApiProperty({ enum: OrgRole, enumName: 'OrgRole' })
  @IsEnum(OrgRole)
  role!: OrgRole;
}

export class RolePermissionsDto {
  @ApiProperty({ enum: OrgRole, enumName: 'OrgRole' })
  role!: OrgRole;

  @ApiProperty({ enum: [...ALL_PERMISSIONS], enumName: 'Permission', isArray: true })
  permissions!: Permission[];
}

export class CreateInvitationDto {
  @ApiProperty({ example: 'grace@example.com' })
  @Transform(trimLower)
  @IsEmail()
  @MaxLength(320)
  email!: string;

  @ApiProperty({ enum: OrgRole, enumName: 'OrgRole' })
  @IsEnum(OrgRole)
  role!: OrgRole;
}

export class InvitationDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  email!: string;

  @ApiProperty({ enum: OrgRole, enumName: 'OrgRole' })
  role!: OrgRole;

  @ApiProperty({ format: 'uuid' })
  invitedById!: string;

  @ApiProperty()
  expiresAt!: string;

  @ApiProperty()
  createdAt!: string;
}

export class QuotaUsageDto {
  @ApiProperty({ enum: QuotaKey, enumName: 'QuotaKey' })
  key!: QuotaKey;

  @ApiProperty()
  limit!: number;

  @ApiProperty()
  used!: number;

  @ApiProperty({ description: '"total", or the month ("2026-11") for monthly quotas' })
  period!: string;
}

export class UsageQuotasDto {
  @ApiProperty({ enum: Plan, enumName: 'Plan' })
  plan!: string;

  @ApiProperty({ enum: Feature, enumName: 'Feature', isArray: true })
  features!: Feature[];

  @ApiProperty({ type: [QuotaUsageDto] })
  quotas!: QuotaUsageDto[];
}

export class BootstrapOrganizationDto extends OrganizationDto {
  @ApiProperty({ enum: Feature, enumName: 'Feature', isArray: true, description: 'Feature flags of its plan' })
  features!: Feature[];
}

export class BootstrapDto {
  @ApiProperty({ type: UserResponseDto })
  user!: UserResponseDto;

  @ApiProperty({ type: [BootstrapOrganizationDto] })
  organizations!: BootstrapOrganizationDto[];

  @ApiProperty({ description: 'Server clock (not part of the ETag)' })
  serverTime!: string;
}

export class CreateApiKeyDto {
  @ApiProperty({ example: 'CI deploy' })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiProperty({
    enum: [...ALL_PERMISSIONS],
    enumName: 'Permission',
    isArray: true,
    description: 'What the key may do',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsIn(ALL_PERMISSIONS, { each: true })
  scopes!: Permission[];

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsIsoDateTime()
  @MinDate(() => new Date(), { message: 'expiresAt must be in the future' })
  expiresAt?: Date;
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ description: 'Recognisable start of the key', example: 'sbk_a1b2c3d4e5f6' })
  prefix!: string;

  @ApiProperty({ enum: [...ALL_PERMISSIONS], enumName: 'Permission', isArray: true })
  scopes!: Permission[];

  @ApiProperty({ format: 'uuid' })
  createdById!: string;

  @ApiProperty()
  createdAt!: string;

  @ApiPropertyOptional({ nullable: true })
  expiresAt!: string | null;

  @ApiPropertyOptional({ nullable: true })
  lastUsedAt!: string | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The key itself: shown once, send it as Authorization: Bearer <key>' })
  key!: string;
}

export class AdminOrganizationDto extends OmitType(OrganizationDto, ['role'] as const) {
  @ApiProperty()
  members!: number;
}

export class AdminOrganizationPageDto extends PageMetaDto {
  @ApiProperty({ type: [AdminOrganizationDto] })
  items!: AdminOrganizationDto[];
}

export class ListOrganizationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Matches name or slug' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;
}

export class SetPlanDto {
  @ApiProperty({ enum: Plan, enumName: 'Plan' })
  @IsEnum(Plan)
  plan!: Plan;
}

/** A CIDR (`10.0.0.0/8`, `2001:db8::/32`) or a single IPv4/IPv6 address. */
function IsCidr(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isCidr',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: 'each entry of $property must be an IPv4 or IPv6 address or CIDR, such as 10.0.0.0/8',
        ...options,
      },
      validator: { validate: (value: unknown) => typeof value === 'string' && parseCidr(value) !== undefined },
    });
}

export class SecuritySettingsDto {
  @ApiProperty({
    type: [String],
    example: ['203.0.113.0/24', '2001:db8::/32'],
    description: "CIDRs the organization's API keys must come from; empty: any address",
  })
  ipAllowlist!: string[];

  @ApiProperty({ description: "The allowlist also holds for members' requests to the organization's routes" })
  applyToMembers!: boolean;
}

export class UpdateSecuritySettingsDto {
  @ApiProperty({
    type: [String],
    example: ['203.0.113.0/24', '2001:db8::/32'],
    description: 'IPv4/IPv6 addresses or CIDRs; empty lifts the restriction',
  })
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  @IsCidr({ each: true })
  ipAllowlist!: string[];

  @ApiProperty({ description: "Apply the list to members' own requests too (yours must be on it)" })
  @IsBoolean()
  applyToMembers!: boolean;
}

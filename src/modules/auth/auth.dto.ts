import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches, MaxLength, ValidateIf } from 'class-validator';
import { EmailField, IsPassword, UsernameField, UserResponseDto, USERNAME_PATTERN } from 'src/modules/users/users.dto';

export class RegisterDto extends IntersectionType(EmailField, UsernameField) {
  @ApiProperty({ description: '10–128 characters with a lower-case letter, an upper-case letter and a digit' })
  @IsPassword()
  password!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 100)
  displayName?: string;
}

export class LoginDto {
  @ApiProperty({ description: 'Email or username', example: 'ada@example.com' })
  @IsString()
  @Length(1, 320)
  login!: string;

  @ApiProperty()
  @IsString()
  @Length(1, 128)
  password!: string;

  @ApiPropertyOptional({
    description:
      'For an account with 2FA: its 6-digit TOTP code, to sign in in one step (no challenge). Required (or ' +
      'recoveryCode) to sign in from an unknown device while the account is locked (423)',
  })
  @IsOptional()
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code?: string;

  @ApiPropertyOptional({ description: 'A recovery code instead of code' })
  @IsOptional()
  @IsString()
  @Length(8, 32)
  recoveryCode?: string;
}

export class RefreshDto {
  @ApiProperty()
  @IsString()
  @Length(10, 200)
  refreshToken!: string;
}

export class TokensDto {
  @ApiProperty()
  accessToken!: string;

  @ApiProperty({ description: 'Opaque; single use — each refresh returns a new one' })
  refreshToken!: string;

  @ApiProperty({ example: 'Bearer' })
  tokenType!: 'Bearer';

  @ApiProperty({ description: 'Access token lifetime in seconds' })
  expiresIn!: number;

  @ApiProperty({ format: 'uuid' })
  sessionId!: string;

  @ApiProperty({ type: UserResponseDto })
  user!: UserResponseDto;

  @ApiPropertyOptional({
    description:
      'After a sign-in with a password (register, login, 2FA verify): this device is now known to the account. ' +
      'Send it back as the X-Device-Token header on later logins: failed logins by others then never lock this ' +
      'device out. Keep it secret, like the refresh token.',
  })
  deviceToken?: string;
}

export class LoginResponseDto {
  @ApiProperty({ description: 'When true, exchange challengeToken and a code at /auth/2fa/verify' })
  twoFactorRequired!: boolean;

  @ApiPropertyOptional({ description: 'Short-lived (5 min); present when twoFactorRequired' })
  challengeToken?: string;

  @ApiPropertyOptional({ type: TokensDto, description: 'Present when twoFactorRequired is false' })
  tokens?: TokensDto;
}

export class UpdateMeDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 100)
  displayName?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(USERNAME_PATTERN, { message: 'username must be 3–32 characters of a-z, 0-9, ".", "_" or "-"' })
  username?: string;
}

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @Length(1, 128)
  currentPassword!: string;

  @ApiProperty()
  @IsPassword()
  newPassword!: string;
}

export class TokenDto {
  @ApiProperty({ description: 'The token from the mail' })
  @IsString()
  @Length(10, 200)
  token!: string;
}

export class ForgotPasswordDto extends EmailField {}

export class ResetPasswordDto extends TokenDto {
  @ApiProperty()
  @IsPassword()
  newPassword!: string;
}

export class MessageDto {
  @ApiProperty()
  message!: string;
}

export class SessionDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiPropertyOptional({ nullable: true })
  userAgent!: string | null;

  @ApiPropertyOptional({ nullable: true })
  ip!: string | null;

  @ApiProperty()
  mfa!: boolean;

  @ApiProperty()
  current!: boolean;

  @ApiProperty()
  createdAt!: string;

  @ApiProperty()
  lastSeenAt!: string;
}

export class TwoFactorEnrollmentDto {
  @ApiProperty({ description: 'Base32 secret, for manual entry' })
  secret!: string;

  @ApiProperty({ description: 'otpauth:// URI, to show as a QR code' })
  otpauthUri!: string;
}

export class TwoFactorCodeDto {
  @ApiProperty({ example: '123456' })
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code!: string;
}

export class RecoveryCodesDto {
  @ApiProperty({ type: [String], description: 'Shown once; each works once' })
  recoveryCodes!: string[];
}

export class TwoFactorVerifyDto {
  @ApiProperty()
  @IsString()
  @MaxLength(2000)
  challengeToken!: string;

  @ApiPropertyOptional({ description: '6-digit TOTP code; or give recoveryCode' })
  @ValidateIf((dto: TwoFactorVerifyDto) => dto.recoveryCode === undefined)
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(8, 32)
  recoveryCode?: string;
}

export class DisableTwoFactorDto {
  @ApiProperty()
  @IsString()
  @Length(1, 128)
  password!: string;

  @ApiProperty({ description: 'A current TOTP code or an unused recovery code' })
  @IsString()
  @Length(6, 32)
  code!: string;
}

export class GuestUpgradeDto extends RegisterDto {}

export class QuotaDto {
  @ApiProperty()
  key!: string;

  @ApiProperty()
  limit!: number;

  @ApiProperty()
  used!: number;

  @ApiProperty()
  remaining!: number;
}

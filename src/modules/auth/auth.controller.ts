import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Put } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AuthUser } from 'src/common/auth/auth-user';
import {
  Authenticated,
  Client,
  ClientInfo,
  CurrentUser,
  DeviceToken,
  DEVICE_TOKEN_HEADER,
  Public,
} from 'src/common/auth/auth.decorators';
import { ApiErrorResponses } from 'src/common/http/api-error-responses.decorator';
import { NoStore } from 'src/common/http/no-store';
import { AuthRateLimit } from 'src/common/rate-limit/rate-limit.module';
import { UserResponseDto } from 'src/modules/users/users.dto';
import { QuotaService } from 'src/modules/users/quota.service';
import { toUserDto } from 'src/modules/users/users.service';
import {
  ChangePasswordDto,
  DisableTwoFactorDto,
  ForgotPasswordDto,
  GuestUpgradeDto,
  LoginDto,
  LoginResponseDto,
  MessageDto,
  QuotaDto,
  RecoveryCodesDto,
  RefreshDto,
  RegisterDto,
  ResetPasswordDto,
  SessionDto,
  TokenDto,
  TokensDto,
  TwoFactorCodeDto,
  TwoFactorEnrollmentDto,
  TwoFactorVerifyDto,
  UpdateMeDto,
} from './auth.dto';
import { AuthService } from './auth.service';

const DeviceTokenHeader = (): MethodDecorator =>
  ApiHeader({
    name: DEVICE_TOKEN_HEADER,
    required: false,
    description: 'The deviceToken an earlier sign-in from this device returned: known devices are never locked out',
  });

/** Every answer here may carry credentials or account data: none is stored by caches (`@NoStore()`). */
@ApiTags('auth')
@NoStore()
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly quotas: QuotaService,
  ) {}

  @Post('register')
  @Public()
  @AuthRateLimit()
  @ApiOperation({
    operationId: 'register',
    summary: 'Create an account; a verification mail is sent',
    description:
      'Creates a user account from email, username, password and an optional display name and returns an access ' +
      'and refresh token pair; a verification mail goes to the address. Public and rate-limited; 409 when the ' +
      'email or username is already taken.',
  })
  @ApiCreatedResponse({ type: TokensDto })
  @ApiErrorResponses(409)
  @DeviceTokenHeader()
  register(
    @Body() dto: RegisterDto,
    @Client() client: ClientInfo,
    @DeviceToken() deviceToken?: string,
  ): Promise<TokensDto> {
    return this.auth.register(dto, client, deviceToken);
  }

  @Post('login')
  @Public()
  @AuthRateLimit()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'login',
    summary:
      'Log in with email or username; 2FA accounts get a challenge unless the code is given. 429 with ' +
      'Retry-After while this account must wait from this source; 423 while it is locked for unknown devices',
    description:
      'Signs in with an email or username and password and returns tokens, or a two-factor challenge when the ' +
      'account has 2FA on and no code was sent. Public and rate-limited; 401 for wrong credentials, 403 for a ' +
      'disabled account, 429 with Retry-After while this account must wait from this source, 423 while it is ' +
      'locked for unknown devices (send X-Device-Token from an earlier sign-in).',
  })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiErrorResponses(401, 403, 423)
  @DeviceTokenHeader()
  login(
    @Body() dto: LoginDto,
    @Client() client: ClientInfo,
    @DeviceToken() deviceToken?: string,
  ): Promise<LoginResponseDto> {
    return this.auth.login(dto, client, deviceToken);
  }

  @Post('2fa/verify')
  @Public()
  @AuthRateLimit()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'verifyTwoFactorLogin',
    summary: 'Exchange a login challenge and a TOTP or recovery code for tokens',
    description:
      'Completes a two-factor sign-in: exchanges the challenge from login plus a TOTP or single-use recovery ' +
      'code for tokens. Public and rate-limited; 401 when the challenge or the code is invalid or expired.',
  })
  @ApiOkResponse({ type: TokensDto })
  @ApiErrorResponses(401)
  @DeviceTokenHeader()
  verifyTwoFactor(
    @Body() dto: TwoFactorVerifyDto,
    @Client() client: ClientInfo,
    @DeviceToken() deviceToken?: string,
  ): Promise<TokensDto> {
    return this.auth.verifyTwoFactor(dto, client, deviceToken);
  }

  @Post('unlock')
  @Public()
  @AuthRateLimit()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'unlockAccount',
    summary: 'Lift an account lock with the token mailed when it tripped (single use, 24 hours)',
    description:
      'Lifts a lockout with the token mailed to the account owner when the lock tripped; the token works once ' +
      'within 24 hours. Public and rate-limited; 400 for an invalid, expired or used token.',
  })
  @ApiNoContentResponse()
  unlock(@Body() dto: TokenDto, @Client() client: ClientInfo): Promise<void> {
    return this.auth.unlock(dto.token, client);
  }

  @Post('refresh')
  @Public()
  @AuthRateLimit()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'refreshTokens',
    summary: 'Rotate a refresh token; reusing one revokes its session',
    description:
      'Exchanges a refresh token for a new token pair; the old refresh token stops working. Public and ' +
      'rate-limited; 401 for an unknown or expired token, and presenting an already rotated token revokes the ' +
      'whole session (reuse detection).',
  })
  @ApiOkResponse({ type: TokensDto })
  @ApiErrorResponses(401)
  refresh(@Body() dto: RefreshDto, @Client() client: ClientInfo): Promise<TokensDto> {
    return this.auth.refresh(dto.refreshToken, client);
  }

  @Post('logout')
  @Authenticated()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'logout',
    summary: 'End this session',
    description:
      'Revokes the session of the access token used; its refresh token stops working. Any signed-in user; 401 ' +
      'without a valid token.',
  })
  @ApiNoContentResponse()
  @ApiErrorResponses(401)
  logout(@CurrentUser() user: AuthUser, @Client() client: ClientInfo): Promise<void> {
    return this.auth.logout(user, client);
  }

  @Post('logout-all')
  @Authenticated()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'logoutAll',
    summary: 'End every session of this account',
    description:
      'Revokes every session of the signed-in account, this one included, on all devices. Any signed-in user.',
  })
  @ApiNoContentResponse()
  @ApiErrorResponses(401)
  async logoutAll(@CurrentUser() user: AuthUser, @Client() client: ClientInfo): Promise<void> {
    await this.auth.logoutAll(user, client);
  }

  @Get('me')
  @Authenticated()
  @ApiOperation({
    operationId: 'getMe',
    summary: 'The current account',
    description:
      'Returns the account behind the access token: email, username, display name, global role, active, ' +
      'email-verified and 2FA state. Any signed-in user, guests included.',
  })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrorResponses(401)
  async me(@CurrentUser() user: AuthUser): Promise<UserResponseDto> {
    return this.auth.me(user);
  }

  @Put('me')
  @Authenticated()
  @ApiOperation({
    operationId: 'updateMe',
    summary: 'Update display name or username',
    description:
      'Changes the display name or username of the signed-in account. Any signed-in user; 409 when the username ' +
      'is taken.',
  })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrorResponses(401, 409)
  async updateMe(@CurrentUser() user: AuthUser, @Body() dto: UpdateMeDto): Promise<UserResponseDto> {
    return toUserDto(await this.auth.updateMe(user, dto));
  }

  @Put('me/password')
  @Authenticated()
  @AuthRateLimit()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'changePassword',
    summary: 'Change the password; every other session ends',
    description:
      'Sets a new password after checking the current one; every other session of the account is revoked. ' +
      'Signed-in users, rate-limited; 401 when the current password is wrong.',
  })
  @ApiNoContentResponse()
  @ApiErrorResponses(401)
  changePassword(
    @CurrentUser() user: AuthUser,
    @Body() dto: ChangePasswordDto,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.auth.changePassword(user, dto, client);
  }

  @Get('me/quotas')
  @Authenticated()
  @ApiOperation({
    operationId: 'getMyQuotas',
    summary: 'Usage quotas of this account (guests have some)',
    description:
      'Lists the usage quotas of the signed-in account with used and allowed amounts; guest accounts carry ' +
      'limits, full accounts usually none. Any signed-in user.',
  })
  @ApiOkResponse({ type: [QuotaDto] })
  @ApiErrorResponses(401)
  myQuotas(@CurrentUser() user: AuthUser): Promise<QuotaDto[]> {
    return this.quotas.list(user.id);
  }

  @Get('sessions')
  @Authenticated()
  @ApiOperation({
    operationId: 'listSessions',
    summary: 'Live sessions of this account, with device and IP',
    description:
      'Lists the live sessions of the signed-in account with user agent, IP, whether 2FA was passed and last ' +
      'use, marking the current one. Any signed-in user.',
  })
  @ApiOkResponse({ type: [SessionDto] })
  @ApiErrorResponses(401)
  sessions(@CurrentUser() user: AuthUser): Promise<SessionDto[]> {
    return this.auth.listSessions(user);
  }

  @Delete('sessions/:id')
  @Authenticated()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'revokeSession',
    summary: 'End one of this account’s sessions',
    description:
      'Ends one session of the signed-in account; its tokens stop working at once. Any signed-in user; 404 when ' +
      'the session is not one of yours.',
  })
  @ApiNoContentResponse()
  @ApiErrorResponses(401, 404)
  revokeSession(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.auth.revokeSession(user, id, client);
  }

  @Post('verify-email')
  @Public()
  @AuthRateLimit()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'verifyEmail',
    summary: 'Confirm the email address with the token from the mail',
    description:
      'Confirms the account email address with the single-use token from the verification mail. Public and ' +
      'rate-limited; 400 for an invalid, expired or used token.',
  })
  @ApiNoContentResponse()
  verifyEmail(@Body() dto: TokenDto, @Client() client: ClientInfo): Promise<void> {
    return this.auth.verifyEmail(dto.token, client);
  }

  @Post('verify-email/resend')
  @Authenticated()
  @AuthRateLimit()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'resendVerificationEmail',
    summary: 'Send a new verification mail',
    description:
      'Sends a new verification mail to the signed-in account; earlier tokens stop working. Signed-in users, ' +
      'rate-limited; 409 when the address is already verified.',
  })
  @ApiNoContentResponse()
  @ApiErrorResponses(401, 409)
  resendVerification(@CurrentUser() user: AuthUser): Promise<void> {
    return this.auth.resendVerification(user);
  }

  @Post('forgot-password')
  @Public()
  @AuthRateLimit()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    operationId: 'forgotPassword',
    summary: 'Mail a reset token; answers the same for unknown addresses',
    description:
      'Mails a password reset token if an account uses the address, and answers the same way when none does so ' +
      'addresses cannot be probed. Public and rate-limited.',
  })
  @ApiAcceptedResponse({ type: MessageDto })
  async forgotPassword(@Body() dto: ForgotPasswordDto, @Client() client: ClientInfo): Promise<MessageDto> {
    await this.auth.forgotPassword(dto.email, client);
    return { message: 'If an account uses this address, a reset mail is on its way.' };
  }

  @Post('reset-password')
  @Public()
  @AuthRateLimit()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'resetPassword',
    summary: 'Set a new password with a reset token (single use, 1 hour); every session ends',
    description:
      'Sets a new password with a reset token (single use, valid one hour) and revokes every session of the ' +
      'account. Public and rate-limited; 400 for an invalid, expired or used token.',
  })
  @ApiNoContentResponse()
  resetPassword(@Body() dto: ResetPasswordDto, @Client() client: ClientInfo): Promise<void> {
    return this.auth.resetPassword(dto, client);
  }

  @Post('2fa/enroll')
  @Authenticated()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'enrollTwoFactor',
    summary: 'Start TOTP enrolment: a secret and an otpauth:// URI',
    description:
      'Starts TOTP enrolment: generates a secret and returns it with an otpauth:// URI for an authenticator app; ' +
      '2FA is only on after confirmTwoFactor. Signed-in users; 409 when 2FA is already enabled.',
  })
  @ApiOkResponse({ type: TwoFactorEnrollmentDto })
  @ApiErrorResponses(401, 409)
  enroll(@CurrentUser() user: AuthUser): Promise<TwoFactorEnrollmentDto> {
    return this.auth.enrollTwoFactor(user);
  }

  @Post('2fa/confirm')
  @Authenticated()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'confirmTwoFactor',
    summary: 'Enable 2FA with a first code; returns ten recovery codes',
    description:
      'Turns 2FA on with a first code from the enrolled authenticator and returns ten single-use recovery codes, ' +
      'shown only this once. Signed-in users; 409 without a pending enrolment or when 2FA is already on, 401 for ' +
      'a wrong code.',
  })
  @ApiOkResponse({ type: RecoveryCodesDto })
  @ApiErrorResponses(401, 409)
  async confirm(
    @CurrentUser() user: AuthUser,
    @Body() dto: TwoFactorCodeDto,
    @Client() client: ClientInfo,
  ): Promise<RecoveryCodesDto> {
    return { recoveryCodes: await this.auth.confirmTwoFactor(user, dto.code, client) };
  }

  @Post('2fa/disable')
  @Authenticated()
  @AuthRateLimit()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'disableTwoFactor',
    summary: 'Disable 2FA (needs the password and a code)',
    description:
      'Turns 2FA off after checking the password and a current TOTP or recovery code. Signed-in users, ' +
      'rate-limited; 401 for a wrong password or code, 409 when 2FA is not enabled.',
  })
  @ApiNoContentResponse()
  @ApiErrorResponses(401, 409)
  disable(
    @CurrentUser() user: AuthUser,
    @Body() dto: DisableTwoFactorDto,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.auth.disableTwoFactor(user, dto, client);
  }

  @Post('guest')
  @Public()
  @AuthRateLimit()
  @ApiOperation({
    operationId: 'createGuest',
    summary: 'Start a guest session with usage quotas',
    description:
      'Creates an anonymous guest account and returns its tokens; guests work under usage quotas until upgraded. ' +
      'Public and rate-limited.',
  })
  @ApiCreatedResponse({ type: TokensDto })
  createGuest(@Client() client: ClientInfo): Promise<TokensDto> {
    return this.auth.createGuest(client);
  }

  @Post('guest/upgrade')
  @Authenticated()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'upgradeGuest',
    summary: 'Turn this guest into a full account, keeping its data',
    description:
      'Turns the signed-in guest into a full account with email, username and password, keeping everything it ' +
      'created. Guests only; 409 for a non-guest account or a taken email or username.',
  })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrorResponses(401, 409)
  async upgradeGuest(
    @CurrentUser() user: AuthUser,
    @Body() dto: GuestUpgradeDto,
    @Client() client: ClientInfo,
  ): Promise<UserResponseDto> {
    return toUserDto(await this.auth.upgradeGuest(user, dto, client));
  }
}

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
  @ApiOperation({ operationId: 'register', summary: 'Create an account; a verification mail is sent' })
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
  })
  @ApiNoContentResponse()
  unlock(@Body() dto: TokenDto, @Client() client: ClientInfo): Promise<void> {
    return this.auth.unlock(dto.token, client);
  }

  @Post('refresh')
  @Public()
  @AuthRateLimit()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ operationId: 'refreshTokens', summary: 'Rotate a refresh token; reusing one revokes its session' })
  @ApiOkResponse({ type: TokensDto })
  @ApiErrorResponses(401)
  refresh(@Body() dto: RefreshDto, @Client() client: ClientInfo): Promise<TokensDto> {
    return this.auth.refresh(dto.refreshToken, client);
  }

  @Post('logout')
  @Authenticated()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'logout', summary: 'End this session' })
  @ApiNoContentResponse()
  @ApiErrorResponses(401)
  logout(@CurrentUser() user: AuthUser, @Client() client: ClientInfo): Promise<void> {
    return this.auth.logout(user, client);
  }

  @Post('logout-all')
  @Authenticated()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'logoutAll', summary: 'End every session of this account' })
  @ApiNoContentResponse()
  @ApiErrorResponses(401)
  async logoutAll(@CurrentUser() user: AuthUser, @Client() client: ClientInfo): Promise<void> {
    await this.auth.logoutAll(user, client);
  }

  @Get('me')
  @Authenticated()
  @ApiOperation({ operationId: 'getMe', summary: 'The current account' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrorResponses(401)
  async me(@CurrentUser() user: AuthUser): Promise<UserResponseDto> {
    return toUserDto(await this.auth.me(user));
  }

  @Put('me')
  @Authenticated()
  @ApiOperation({ operationId: 'updateMe', summary: 'Update display name or username' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrorResponses(401, 409)
  async updateMe(@CurrentUser() user: AuthUser, @Body() dto: UpdateMeDto): Promise<UserResponseDto> {
    return toUserDto(await this.auth.updateMe(user, dto));
  }

  @Put('me/password')
  @Authenticated()
  @AuthRateLimit()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'changePassword', summary: 'Change the password; every other session ends' })
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
  @ApiOperation({ operationId: 'getMyQuotas', summary: 'Usage quotas of this account (guests have some)' })
  @ApiOkResponse({ type: [QuotaDto] })
  @ApiErrorResponses(401)
  myQuotas(@CurrentUser() user: AuthUser): Promise<QuotaDto[]> {
    return this.quotas.list(user.id);
  }

  @Get('sessions')
  @Authenticated()
  @ApiOperation({ operationId: 'listSessions', summary: 'Live sessions of this account, with device and IP' })
  @ApiOkResponse({ type: [SessionDto] })
  @ApiErrorResponses(401)
  sessions(@CurrentUser() user: AuthUser): Promise<SessionDto[]> {
    return this.auth.listSessions(user);
  }

  @Delete('sessions/:id')
  @Authenticated()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'revokeSession', summary: 'End one of this account’s sessions' })
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
  @ApiOperation({ operationId: 'verifyEmail', summary: 'Confirm the email address with the token from the mail' })
  @ApiNoContentResponse()
  verifyEmail(@Body() dto: TokenDto, @Client() client: ClientInfo): Promise<void> {
    return this.auth.verifyEmail(dto.token, client);
  }

  @Post('verify-email/resend')
  @Authenticated()
  @AuthRateLimit()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'resendVerificationEmail', summary: 'Send a new verification mail' })
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
  })
  @ApiNoContentResponse()
  resetPassword(@Body() dto: ResetPasswordDto, @Client() client: ClientInfo): Promise<void> {
    return this.auth.resetPassword(dto, client);
  }

  @Post('2fa/enroll')
  @Authenticated()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ operationId: 'enrollTwoFactor', summary: 'Start TOTP enrolment: a secret and an otpauth:// URI' })
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
  @ApiOperation({ operationId: 'disableTwoFactor', summary: 'Disable 2FA (needs the password and a code)' })
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
  @ApiOperation({ operationId: 'createGuest', summary: 'Start a guest session with usage quotas' })
  @ApiCreatedResponse({ type: TokensDto })
  createGuest(@Client() client: ClientInfo): Promise<TokensDto> {
    return this.auth.createGuest(client);
  }

  @Post('guest/upgrade')
  @Authenticated()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ operationId: 'upgradeGuest', summary: 'Turn this guest into a full account, keeping its data' })
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

import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Res,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthUser } from 'src/common/auth/auth-user';
import { Authenticated, Client, ClientInfo, CurrentUser } from 'src/common/auth/auth.decorators';
import { ApiErrorResponses } from 'src/common/http/api-error-responses.decorator';
import { AuthRateLimit } from 'src/common/rate-limit/rate-limit.module';
import { AccountDeletionService } from './account-deletion.service';
import { DataExportService } from './data-export.service';
import { NotificationPreferences } from './notification-preferences';
import {
  AccountDeletionDto,
  DataExportDto,
  DeleteAccountDto,
  NotificationPreferencesDto,
  ProfileDto,
  UpdateNotificationPreferencesDto,
  UpdateProfileDto,
} from './settings.dto';
import { SettingsService } from './settings.service';

/** The signed-in user's own settings; no organization involved. */
@ApiTags('settings')
@Authenticated()
@ApiErrorResponses(401)
@Controller('settings')
export class UserSettingsController {
  constructor(
    private readonly settings: SettingsService,
    private readonly exports: DataExportService,
    private readonly deletion: AccountDeletionService,
  ) {}

  @Get('profile')
  @ApiOperation({
    operationId: 'getProfile',
    summary: 'Name, time zone, language, pending deletion',
    description: 'Returns your display name, time zone, language and any pending account deletion. Any signed-in user.',
  })
  @ApiOkResponse({ type: ProfileDto })
  profile(@CurrentUser() user: AuthUser): Promise<ProfileDto> {
    return this.settings.profile(user);
  }

  @Patch('profile')
  @ApiOperation({
    operationId: 'updateProfile',
    summary: 'Change display name, time zone or language',
    description:
      'Changes your display name, IANA time zone or language. Any signed-in user; 400 for an unknown zone or ' +
      'language.',
  })
  @ApiOkResponse({ type: ProfileDto })
  @ApiErrorResponses(400)
  updateProfile(@CurrentUser() user: AuthUser, @Body() dto: UpdateProfileDto): Promise<ProfileDto> {
    return this.settings.updateProfile(user, dto);
  }

  @Get('notifications')
  @ApiOperation({
    operationId: 'getNotificationPreferences',
    summary: 'Email / in-app choice per category, digest',
    description:
      'Returns, per notification category, whether you get it by email, in the app or both, and your digest ' +
      'choice. Any signed-in user.',
  })
  @ApiOkResponse({ type: NotificationPreferencesDto })
  notifications(@CurrentUser() user: AuthUser): Promise<NotificationPreferences> {
    return this.settings.notifications(user);
  }

  @Patch('notifications')
  @ApiOperation({
    operationId: 'updateNotificationPreferences',
    summary: 'Change some choices; the rest stay',
    description:
      'Changes some notification choices; categories not sent keep their value. Any signed-in user; 400 for an ' +
      'unknown category or channel.',
  })
  @ApiOkResponse({ type: NotificationPreferencesDto })
  @ApiErrorResponses(400)
  updateNotifications(
    @CurrentUser() user: AuthUser,
    @Body() dto: UpdateNotificationPreferencesDto,
  ): Promise<NotificationPreferences> {
    return this.settings.updateNotifications(user, dto);
  }

  @Post('export-data')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    operationId: 'requestDataExport',
    summary: 'Queue an archive (gzipped JSON) of all your data; mailed when ready',
    description:
      'Queues an export of all your data as a gzipped JSON archive; a worker builds it and mails you when it is ' +
      'ready. Any signed-in user; 409 while another export is in progress.',
  })
  @ApiAcceptedResponse({ type: DataExportDto })
  @ApiErrorResponses(409)
  requestExport(@CurrentUser() user: AuthUser, @Client() client: ClientInfo): Promise<DataExportDto> {
    return this.exports.request(user, client);
  }

  @Get('export-data')
  @ApiOperation({
    operationId: 'listDataExports',
    summary: 'Your latest 20 exports',
    description: 'Lists your latest 20 data exports with their state, size, checksum and expiry. Any signed-in user.',
  })
  @ApiOkResponse({ type: [DataExportDto] })
  listExports(@CurrentUser() user: AuthUser): Promise<DataExportDto[]> {
    return this.exports.list(user);
  }

  @Get('export-data/:id')
  @ApiOperation({
    operationId: 'getDataExport',
    summary: 'State of one export',
    description: 'Returns the state of one of your data exports. Any signed-in user; 404 for an unknown export.',
  })
  @ApiOkResponse({ type: DataExportDto })
  @ApiErrorResponses(404)
  getExport(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<DataExportDto> {
    return this.exports.get(user, id);
  }

  @Get('export-data/:id/download')
  @ApiOperation({
    operationId: 'downloadDataExport',
    summary: 'The archive, streamed (application/gzip)',
    description:
      'Streams a finished export archive (application/gzip). Its owner only; 404 for an unknown export, 409 ' +
      'while it is not ready, 410 once it expired.',
  })
  @ApiProduces('application/gzip')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  @ApiErrorResponses(404, 409, 410)
  async download(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { stream, size, filename } = await this.exports.open(user, id);
    await reply
      .header('Content-Type', 'application/gzip')
      .header('Content-Length', size)
      .header('Content-Disposition', `attachment; filename="${filename}"`)
      .header('Cache-Control', 'private, no-store')
      .send(stream);
  }

  @Delete('account')
  @AuthRateLimit()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    operationId: 'deleteAccount',
    summary: 'Schedule deletion of your account and data after the grace period (password, and 2FA code when on)',
    description:
      'Schedules deletion of your account and its data after the grace period; cancelAccountDeletion keeps it. ' +
      'Needs your password and, with 2FA on, a code; rate-limited; 401 for a wrong password, 403 when a 2FA code ' +
      'is needed, 409 while a deletion is pending or you are the last owner of an organization.',
  })
  @ApiAcceptedResponse({ type: AccountDeletionDto })
  @ApiErrorResponses(400, 403, 409)
  deleteAccount(
    @CurrentUser() user: AuthUser,
    @Body() dto: DeleteAccountDto,
    @Client() client: ClientInfo,
  ): Promise<AccountDeletionDto> {
    return this.deletion.request(user, dto, client);
  }

  @Post('account/cancel-deletion')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'cancelAccountDeletion',
    summary: 'Keep your account: cancel a scheduled deletion',
    description:
      'Cancels a scheduled deletion of your account during the grace period. Any signed-in user; 409 when no ' +
      'deletion is scheduled.',
  })
  @ApiNoContentResponse()
  @ApiErrorResponses(409)
  cancelDeletion(@CurrentUser() user: AuthUser, @Client() client: ClientInfo): Promise<void> {
    return this.deletion.cancel(user, client);
  }
}

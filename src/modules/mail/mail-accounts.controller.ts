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
  Query,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser } from 'src/common/auth/auth-user';
import { Authenticated, CurrentUser } from 'src/common/auth/auth.decorators';
import { ApiErrorResponses } from 'src/common/http/api-error-responses.decorator';
import { PageQueryDto } from 'src/common/http/pagination.dto';
import { CurrentOrg, OrgContext, RequirePermission } from 'src/modules/organizations/organization.decorators';
import { MailAccountsService } from './mail-accounts.service';
import {
  AutodiscoverDto,
  AutodiscoverQueryDto,
  ConnectionTestDto,
  CreateMailAccountDto,
  MailAccountDto,
  MailAccountPageDto,
  TestMailAccountDto,
  UpdateMailAccountDto,
} from './mail.dto';
import { MailPermission } from './mail.domain';

/** A member's own mailboxes in the active organization; other members (admins included) do not see them. */
@ApiTags('mail')
@Authenticated()
@RequirePermission(MailPermission.Use)
@ApiErrorResponses(401, 403, 404)
@Controller('mail')
export class MailAccountsController {
  constructor(private readonly accounts: MailAccountsService) {}

  @Get('autodiscover')
  @ApiOperation({
    operationId: 'autodiscoverMailSettings',
    summary: 'IMAP/SMTP settings for an address: known providers, MX (Google Workspace, Microsoft 365), SRV, guess',
    description:
      'Suggests IMAP and SMTP servers for an email address from known providers, MX records (Google Workspace, ' +
      'Microsoft 365), SRV records or a guess; nothing is stored. Members with mail.use in the organization ' +
      'named by X-Organization-Id.',
  })
  @ApiOkResponse({ type: AutodiscoverDto })
  autodiscover(@Query() query: AutodiscoverQueryDto): Promise<AutodiscoverDto> {
    return this.accounts.autodiscover(query.email);
  }

  @Post('accounts/test')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'testMailAccount',
    summary:
      'Log in to IMAP and SMTP without saving; 400 MAIL_HOST_NOT_ALLOWED for a host outside the address policy ' +
      '(before any connection); 422 says which side failed and where (dns, unreachable, tls, auth, protocol)',
    description:
      'Logs in to the given IMAP and SMTP servers without saving anything and reports the outcome of each side. ' +
      'Members with mail.use; 400 MAIL_HOST_NOT_ALLOWED for a host outside the address policy (checked before ' +
      'any connection), 422 naming which side failed and where (dns, unreachable, tls, auth, protocol).',
  })
  @ApiOkResponse({ type: ConnectionTestDto })
  @ApiErrorResponses(400, 422)
  test(@Body() dto: TestMailAccountDto): Promise<ConnectionTestDto> {
    return this.accounts.test(dto);
  }

  @Post('accounts')
  @ApiOperation({
    operationId: 'createMailAccount',
    summary: 'Connect a mailbox (tested first, then synced)',
    description:
      'Connects one of your mailboxes to the active organization: the servers are tested, the password is stored ' +
      'encrypted and a worker starts the first sync. Members with mail.use; 409 when this address is already ' +
      'connected, 422 when the connection test fails.',
  })
  @ApiCreatedResponse({ type: MailAccountDto })
  @ApiErrorResponses(400, 409, 422)
  create(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Body() dto: CreateMailAccountDto,
  ): Promise<MailAccountDto> {
    return this.accounts.create(org, user, dto);
  }

  @Get('accounts')
  @ApiOperation({
    operationId: 'listMailAccounts',
    summary: 'Your mailboxes in this organization, with sync state',
    description:
      'Lists your own mailboxes in the active organization with their sync state, page by page; other members, ' +
      'admins included, never see them. Members with mail.use.',
  })
  @ApiOkResponse({ type: MailAccountPageDto })
  list(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Query() page: PageQueryDto,
  ): Promise<MailAccountPageDto> {
    return this.accounts.list(org, user, page);
  }

  @Get('accounts/:id')
  @ApiOperation({
    operationId: 'getMailAccount',
    summary: 'One mailbox with its sync state and last error',
    description:
      'Returns one of your mailboxes with its servers, sync state and last error (never the password). Members ' +
      'with mail.use; 404 when it is not yours.',
  })
  @ApiOkResponse({ type: MailAccountDto })
  get(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<MailAccountDto> {
    return this.accounts.get(org, user, id);
  }

  @Patch('accounts/:id')
  @ApiOperation({
    operationId: 'updateMailAccount',
    summary: 'Change name, servers or password (tested first)',
    description:
      'Changes the name, servers or password of one of your mailboxes; new connection settings are tested before ' +
      'they are saved. Members with mail.use; 422 when the test fails.',
  })
  @ApiOkResponse({ type: MailAccountDto })
  @ApiErrorResponses(400, 422)
  update(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateMailAccountDto,
  ): Promise<MailAccountDto> {
    return this.accounts.update(org, user, id, dto);
  }

  @Post('accounts/:id/pause')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'pauseMailAccount',
    summary: 'Stop syncing (the connection is closed)',
    description:
      'Stops syncing one of your mailboxes and closes its IMAP connection; synced mail stays readable. Members ' +
      'with mail.use.',
  })
  @ApiOkResponse({ type: MailAccountDto })
  pause(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<MailAccountDto> {
    return this.accounts.setPaused(org, user, id, true);
  }

  @Post('accounts/:id/resume')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'resumeMailAccount',
    summary: 'Sync again',
    description: 'Starts syncing a paused mailbox again from where it stopped. Members with mail.use.',
  })
  @ApiOkResponse({ type: MailAccountDto })
  resume(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<MailAccountDto> {
    return this.accounts.setPaused(org, user, id, false);
  }

  @Delete('accounts/:id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'deleteMailAccount',
    summary: 'Disconnect a mailbox and delete what was synced',
    description:
      'Disconnects one of your mailboxes and deletes its folders, synced messages, drafts and outbox from ' +
      'Switchboard; the mail server is not touched. Members with mail.use.',
  })
  @ApiNoContentResponse()
  remove(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    return this.accounts.remove(org, user, id);
  }
}

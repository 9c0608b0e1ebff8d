import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser } from 'src/common/auth/auth-user';
import { Authenticated, CurrentUser } from 'src/common/auth/auth.decorators';
import { ApiErrorResponses } from 'src/common/http/api-error-responses.decorator';
import { CurrentOrg, OrgContext, RequirePermission } from 'src/modules/organizations/organization.decorators';
import { Permission } from 'src/modules/organizations/permissions';
import {
  MailFolderDto,
  MailMessageDto,
  MailMessagePageDto,
  MailMessageSummaryDto,
  MailSearchQueryDto,
  MailSearchResultDto,
  MessageListQueryDto,
} from './mail-messages.dto';
import { MailMessagesService } from './mail-messages.service';

@ApiTags('mail')
@Authenticated()
@RequirePermission(Permission.MailUse)
@ApiErrorResponses(401, 403, 404)
@Controller('mail')
export class MailMessagesController {
  constructor(private readonly messages: MailMessagesService) {}

  @Get('accounts/:id/folders')
  @ApiOperation({ operationId: 'listMailFolders', summary: 'Folders with roles, counts and last sync' })
  @ApiOkResponse({ type: [MailFolderDto] })
  folders(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<MailFolderDto[]> {
    return this.messages.folders(org, user, id);
  }

  @Get('accounts/:id/messages')
  @ApiOperation({
    operationId: 'listMailMessages',
    summary: 'Messages of a folder, newest first, cursor-paginated; filters: unread, flagged, from, dates, attachments',
  })
  @ApiOkResponse({ type: MailMessagePageDto })
  @ApiErrorResponses(400)
  list(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: MessageListQueryDto,
  ): Promise<MailMessagePageDto> {
    return this.messages.list(org, user, id, query);
  }

  @Get('search')
  @ApiOperation({
    operationId: 'searchMail',
    summary: 'Ranked full-text search over subject, addresses and text of your synced mail',
  })
  @ApiOkResponse({ type: MailSearchResultDto })
  @ApiErrorResponses(400)
  search(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Query() query: MailSearchQueryDto,
  ): Promise<MailSearchResultDto> {
    return this.messages.search(org, user, query);
  }

  @Get('messages/:id/thread')
  @ApiOperation({ operationId: 'getMailThread', summary: 'The conversation of a message (References / In-Reply-To)' })
  @ApiOkResponse({ type: [MailMessageSummaryDto] })
  thread(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<MailMessageSummaryDto[]> {
    return this.messages.thread(org, user, id);
  }

  @Get('messages/:id')
  @ApiOperation({ operationId: 'getMailMessage', summary: 'One message with text, sanitized HTML and attachments' })
  @ApiOkResponse({ type: MailMessageDto })
  get(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<MailMessageDto> {
    return this.messages.get(org, user, id);
  }
}

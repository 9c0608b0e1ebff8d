import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseIntPipe,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { sendDownload } from 'src/common/http/file-download';
import { MailAttachmentsService } from './mail-attachments.service';
import { MailActionsService } from './mail-actions.service';
import { BulkActionDto, BulkResultDto, MailAction, MoveMessageDto, UpdateMessageDto } from './mail-actions.dto';
import { AuthUser } from 'src/common/auth/auth-user';
import { Authenticated, CurrentUser } from 'src/common/auth/auth.decorators';
import { ApiErrorResponses } from 'src/common/http/api-error-responses.decorator';
import { CurrentOrg, OrgContext, RequirePermission } from 'src/modules/organizations/organization.decorators';
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
import { MailPermission } from './mail.domain';

@ApiTags('mail')
@Authenticated()
@RequirePermission(MailPermission.Use)
@ApiErrorResponses(401, 403, 404)
@Controller('mail')
export class MailMessagesController {
  constructor(
    private readonly messages: MailMessagesService,
    private readonly actions: MailActionsService,
    private readonly attachments: MailAttachmentsService,
  ) {}

  @Get('accounts/:id/folders')
  @ApiOperation({
    operationId: 'listMailFolders',
    summary: 'Folders with roles, counts and last sync',
    description:
      'Lists the folders of one of your mailboxes with their special-use role (inbox, sent, drafts, trash…), ' +
      'message and unread counts and last sync. Members with mail.use.',
  })
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
    description:
      'Lists the synced messages of one folder, newest first with cursor pagination, filterable by unread, ' +
      'flagged, sender, date range and attachments. Members with mail.use; 400 for an invalid cursor or filter.',
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
    description:
      'Runs a ranked full-text search over subject, addresses and text of the mail synced from your own ' +
      'mailboxes in this organization. Members with mail.use; 400 for an invalid query or cursor.',
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
  @ApiOperation({
    operationId: 'getMailThread',
    summary: 'The conversation of a message (References / In-Reply-To)',
    description:
      'Returns the conversation a message belongs to, threaded by References and In-Reply-To, as message ' +
      'summaries. Members with mail.use; 404 when the message is not in one of your mailboxes.',
  })
  @ApiOkResponse({ type: [MailMessageSummaryDto] })
  thread(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<MailMessageSummaryDto[]> {
    return this.messages.thread(org, user, id);
  }

  @Get('messages/:id')
  @ApiOperation({
    operationId: 'getMailMessage',
    summary: 'One message with text, sanitized HTML and attachments',
    description:
      'Returns one message with headers, plain text, sanitized HTML and the list of its attachments. Members ' +
      'with mail.use; 404 when it is not in one of your mailboxes.',
  })
  @ApiOkResponse({ type: MailMessageDto })
  get(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<MailMessageDto> {
    return this.messages.get(org, user, id);
  }

  @Get('messages/:id/attachments/:index')
  @ApiOperation({
    operationId: 'downloadMailAttachment',
    summary:
      'One attachment, streamed from the IMAP server as it is decoded (index from the message’s attachments list)',
    description:
      'Streams one attachment straight from the IMAP server while it is decoded, by its index in the message ' +
      'attachments list. Members with mail.use; 404 for an unknown index, 410 when the message is gone from the ' +
      'server, 502 when the server cannot be reached.',
  })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  @ApiErrorResponses(410, 502)
  async attachment(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('index', ParseIntPipe) index: number,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { meta, stream } = await this.attachments.open(org, user, id, index);
    await sendDownload(
      reply,
      { contentType: meta.contentType, filename: meta.filename, fallback: `attachment-${index}` },
      stream,
    );
  }

  @Patch('messages/:id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'updateMailMessage',
    summary: 'Mark read/unread, flag/unflag (written to the server)',
    description:
      'Marks a message read or unread and flags or unflags it; the flags are written to the IMAP server. Members ' +
      'with mail.use; 502 when the server cannot be reached.',
  })
  @ApiNoContentResponse()
  @ApiErrorResponses(400, 502)
  async update(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateMessageDto,
  ): Promise<void> {
    await this.actions.update(org, user, id, dto);
  }

  @Post('messages/:id/move')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'moveMailMessage',
    summary: 'Move to another folder of the same account',
    description:
      'Moves a message to another folder of the same mailbox on the IMAP server. Members with mail.use; 404 for ' +
      'a folder of another account, 502 when the server cannot be reached.',
  })
  @ApiNoContentResponse()
  @ApiErrorResponses(400, 502)
  async move(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: MoveMessageDto,
  ): Promise<void> {
    await this.actions.bulk(org, user, { ids: [id], action: MailAction.Move, folderId: dto.folderId });
  }

  @Delete('messages/:id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'deleteMailMessage',
    summary: 'Move to Trash; from Trash, expunge for good',
    description:
      'Moves a message to Trash, or expunges it for good when it already is in Trash. Members with mail.use; 502 ' +
      'when the server cannot be reached.',
  })
  @ApiNoContentResponse()
  @ApiErrorResponses(502)
  async remove(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    await this.actions.bulk(org, user, { ids: [id], action: MailAction.Delete });
  }

  @Post('messages/bulk')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'bulkMailAction',
    summary: 'read / unread / flag / unflag / move / delete up to 1000 messages, one IMAP command per folder',
    description:
      'Applies read, unread, flag, unflag, move or delete to up to 1000 of your messages, with one IMAP command ' +
      'per folder, and reports what was done. Members with mail.use; 400 for an invalid action or folder, 502 ' +
      'when a server cannot be reached.',
  })
  @ApiOkResponse({ type: BulkResultDto })
  @ApiErrorResponses(400, 502)
  bulk(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Body() dto: BulkActionDto,
  ): Promise<BulkResultDto> {
    return this.actions.bulk(org, user, dto);
  }
}

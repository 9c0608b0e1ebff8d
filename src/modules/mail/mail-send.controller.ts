import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AcceptsMultipart } from 'src/common/http/request-pipeline';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthUser } from 'src/common/auth/auth-user';
import { Authenticated, CurrentUser } from 'src/common/auth/auth.decorators';
import { ApiErrorResponses } from 'src/common/http/api-error-responses.decorator';
import { CurrentOrg, OrgContext, RequirePermission } from 'src/modules/organizations/organization.decorators';
import {
  ComposeMailDto,
  MailSubmissionDto,
  MailSubmissionPageDto,
  MailUploadDto,
  OutboxQueryDto,
  SendDraftDto,
  SendMailDto,
} from './mail-send.dto';
import { MailSendService } from './mail-send.service';
import { MailPermission } from './mail.domain';

const IDEMPOTENCY_HEADER = ApiHeader({
  name: 'Idempotency-Key',
  required: false,
  description: 'Same key on the same account: the first submission is answered (200), nothing is sent again',
});

/** Sending from a user's own mail account: send, scheduled send, outbox, drafts and attachment uploads. */
@ApiTags('mail')
@Authenticated()
@RequirePermission(MailPermission.Use)
@ApiErrorResponses(401, 403, 404)
@Controller('mail/accounts/:accountId')
export class MailSendController {
  constructor(private readonly send: MailSendService) {}

  @Post('send')
  @HttpCode(HttpStatus.ACCEPTED)
  @IDEMPOTENCY_HEADER
  @ApiOperation({
    operationId: 'sendMail',
    summary: 'Send (or schedule with sendAt) a message, a reply, reply-all or forward; delivered by a worker',
    description:
      'Queues a new message, reply, reply-all or forward from one of your mailboxes, or schedules it with ' +
      'sendAt; a worker delivers it over SMTP and files it in Sent. Members with mail.use; 400 without ' +
      'recipients or with a past sendAt, 413 for attachments over the limit, 422 when the Idempotency-Key was ' +
      'used with a different body, 429 over the send rate.',
  })
  @ApiAcceptedResponse({ type: MailSubmissionDto, description: 'Queued or scheduled' })
  @ApiOkResponse({ type: MailSubmissionDto, description: 'Replay of an earlier request with this Idempotency-Key' })
  @ApiErrorResponses(400, 413, 422)
  async sendMail(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('accountId', ParseUUIDPipe) accountId: string,
    @Body() dto: SendMailDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MailSubmissionDto> {
    const result = await this.send.send(org, user, accountId, dto, idempotencyKey, request.id);
    reply.status(result.replayed ? HttpStatus.OK : HttpStatus.ACCEPTED);
    return result.submission;
  }

  @Get('outbox')
  @ApiOperation({
    operationId: 'listMailOutbox',
    summary: 'Drafts, queued, scheduled, sent and failed messages',
    description:
      'Lists the drafts and the queued, scheduled, sent and failed messages of one of your mailboxes, page by ' +
      'page, optionally by state. Members with mail.use.',
  })
  @ApiOkResponse({ type: MailSubmissionPageDto })
  list(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('accountId', ParseUUIDPipe) accountId: string,
    @Query() query: OutboxQueryDto,
  ): Promise<MailSubmissionPageDto> {
    return this.send.list(org, user, accountId, query);
  }

  @Get('outbox/:id')
  @ApiOperation({
    operationId: 'getMailSubmission',
    summary: 'One outgoing message and where it stands',
    description:
      'Returns one outgoing message with its state, schedule, attempts and last error. Members with mail.use; ' +
      '404 when it is not in this mailbox.',
  })
  @ApiOkResponse({ type: MailSubmissionDto })
  get(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('accountId', ParseUUIDPipe) accountId: string,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<MailSubmissionDto> {
    return this.send.get(org, user, accountId, id);
  }

  @Delete('outbox/:id')
  @ApiOperation({
    operationId: 'cancelMailSubmission',
    summary: 'Cancel a queued or scheduled send (409 once sending has started)',
    description:
      'Cancels a queued or scheduled message before a worker picks it up and returns it as cancelled. Members ' +
      'with mail.use; 409 once sending has started or finished.',
  })
  @ApiOkResponse({ type: MailSubmissionDto })
  @ApiErrorResponses(409)
  cancel(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('accountId', ParseUUIDPipe) accountId: string,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<MailSubmissionDto> {
    return this.send.cancel(org, user, accountId, id);
  }

  @Post('drafts')
  @ApiOperation({
    operationId: 'createMailDraft',
    summary: 'Save a draft to the Drafts folder (\\Draft)',
    description:
      'Saves a draft to the Drafts folder of the mailbox on the IMAP server (flagged \\Draft) and keeps it in ' +
      'the outbox as a draft. Members with mail.use; 409 when the mailbox has no Drafts folder, 413 for ' +
      'attachments over the limit, 502 when the server fails.',
  })
  @ApiCreatedResponse({ type: MailSubmissionDto })
  @ApiErrorResponses(409, 413, 502)
  createDraft(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('accountId', ParseUUIDPipe) accountId: string,
    @Body() dto: ComposeMailDto,
  ): Promise<MailSubmissionDto> {
    return this.send.createDraft(org, user, accountId, dto);
  }

  @Put('drafts/:id')
  @ApiOperation({
    operationId: 'updateMailDraft',
    summary: 'Replace a draft (new version appended, old deleted)',
    description:
      'Replaces a draft: the new version is appended to the Drafts folder and the old one deleted. Members with ' +
      'mail.use; 404 for an unknown draft, 409 when the mailbox has no Drafts folder, 413 for attachments over ' +
      'the limit, 502 when the server fails.',
  })
  @ApiOkResponse({ type: MailSubmissionDto })
  @ApiErrorResponses(409, 413, 502)
  updateDraft(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('accountId', ParseUUIDPipe) accountId: string,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: ComposeMailDto,
  ): Promise<MailSubmissionDto> {
    return this.send.updateDraft(org, user, accountId, id, dto);
  }

  @Delete('drafts/:id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'deleteMailDraft',
    summary: 'Delete a draft from the Drafts folder',
    description:
      'Deletes a draft from the Drafts folder on the server and from the outbox. Members with mail.use; 502 when ' +
      'the server fails.',
  })
  @ApiNoContentResponse()
  @ApiErrorResponses(502)
  async deleteDraft(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('accountId', ParseUUIDPipe) accountId: string,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    await this.send.deleteDraft(org, user, accountId, id);
  }

  @Post('drafts/:id/send')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    operationId: 'sendMailDraft',
    summary: 'Send a draft now or at sendAt; removed from Drafts once sent. Sending it again answers the same entry',
    description:
      'Sends a saved draft now or at sendAt; it is removed from Drafts once sent. Members with mail.use; sending ' +
      'the same draft again answers the existing submission with 200 instead of sending twice.',
  })
  @ApiAcceptedResponse({ type: MailSubmissionDto })
  @ApiOkResponse({ type: MailSubmissionDto, description: 'The draft was already submitted' })
  async sendDraft(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('accountId', ParseUUIDPipe) accountId: string,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: SendDraftDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MailSubmissionDto> {
    const result = await this.send.sendDraft(org, user, accountId, id, dto, request.id);
    reply.status(result.replayed ? HttpStatus.OK : HttpStatus.ACCEPTED);
    return result.submission;
  }

  @Post('uploads')
  @ApiOperation({
    operationId: 'uploadMailAttachments',
    summary: 'Upload files to attach (multipart/form-data, one or more "file" parts), within the configured limits',
    description:
      'Stores one or more files (multipart/form-data "file" parts) to attach by id to a later send or draft of ' +
      'this mailbox. Members with mail.use; 400 for a malformed upload, 413 beyond the configured size or count ' +
      'limits.',
  })
  @AcceptsMultipart()
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'array', items: { type: 'string', format: 'binary' } } },
    },
  })
  @ApiCreatedResponse({ type: [MailUploadDto] })
  @ApiErrorResponses(413)
  upload(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('accountId', ParseUUIDPipe) accountId: string,
    @Req() request: FastifyRequest,
  ): Promise<MailUploadDto[]> {
    return this.send.upload(org, user, accountId, request);
  }
}

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
  @ApiOperation({ operationId: 'listMailOutbox', summary: 'Drafts, queued, scheduled, sent and failed messages' })
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
  @ApiOperation({ operationId: 'getMailSubmission', summary: 'One outgoing message and where it stands' })
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
  @ApiOperation({ operationId: 'createMailDraft', summary: 'Save a draft to the Drafts folder (\\Draft)' })
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
  @ApiOperation({ operationId: 'updateMailDraft', summary: 'Replace a draft (new version appended, old deleted)' })
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
  @ApiOperation({ operationId: 'deleteMailDraft', summary: 'Delete a draft from the Drafts folder' })
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

import { Controller, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { AcceptsMultipart } from 'src/common/http/request-pipeline';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthUser } from 'src/common/auth/auth-user';
import { Authenticated, CurrentUser } from 'src/common/auth/auth.decorators';
import { ApiErrorResponses } from 'src/common/http/api-error-responses.decorator';
import { CurrentOrg, OrgContext, RequirePermission } from 'src/modules/organizations/organization.decorators';
import { ChatExportService } from './chat-export.service';
import {
  ChatImportDto,
  ChatImportPageDto,
  ExportConversationQueryDto,
  ListChatImportsQueryDto,
} from './chat-import.dto';
import { ChatImportPlatform } from './chat-import.entity';
import { ChatImportService } from './chat-import.service';
import { DATE_ORDERS } from './whatsapp.parser';
import { ChatPermission } from 'src/modules/chat/chat.domain';

/** Imports of WhatsApp / Telegram exports into read-only conversations, and exports of any conversation. */
@ApiTags('chat')
@Authenticated()
@RequirePermission(ChatPermission.Use)
@ApiErrorResponses(401, 403, 404)
@Controller('chat')
export class ChatImportController {
  constructor(
    private readonly imports: ChatImportService,
    private readonly exports: ChatExportService,
  ) {}

  @Post('imports')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    operationId: 'importChat',
    summary:
      'Import a WhatsApp .txt or Telegram result.json (multipart: "file" plus "platform"); parsed by a worker. ' +
      'Files up to CHAT_IMPORT_SYNC_VALIDATE_BYTES are validated first (400 with details.line / details.entry)',
    description:
      'Uploads a WhatsApp .txt or Telegram result.json export (multipart "file" plus "platform") and queues it; ' +
      'a worker turns it into a read-only conversation and you are notified when done. Members with chat.use; ' +
      'files up to CHAT_IMPORT_SYNC_VALIDATE_BYTES are validated first (400 with details.line / details.entry), ' +
      '413 beyond the upload limit.',
  })
  @AcceptsMultipart()
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file', 'platform'],
      properties: {
        file: { type: 'string', format: 'binary' },
        platform: { type: 'string', enum: Object.values(ChatImportPlatform) },
        title: { type: 'string', maxLength: 200 },
        timeZone: { type: 'string', description: 'IANA zone of the exporting device; default: your profile zone' },
        chat: { type: 'string', description: 'Telegram all-chats export: index, id or name of the chat' },
        dateOrder: {
          type: 'string',
          enum: [...DATE_ORDERS],
          description:
            'WhatsApp: day-first (DMY) or month-first (MDY), whatever the file suggests; default: decided from ' +
            'the file (a day > 12, then the order the messages follow each other), then your profile locale',
        },
      },
    },
  })
  @ApiAcceptedResponse({
    type: ChatImportDto,
    description: 'Queued; poll GET /chat/imports/{id} or listen on /notifications',
  })
  @ApiErrorResponses(413)
  create(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Req() request: FastifyRequest,
  ): Promise<ChatImportDto> {
    return this.imports.create(org, user, request, request.id);
  }

  @Get('imports')
  @ApiOperation({
    operationId: 'listChatImports',
    summary: 'Your imports in this organization, newest first',
    description:
      'Lists your chat imports in the active organization, newest first, with their status. Members with ' +
      'chat.use.',
  })
  @ApiOkResponse({ type: ChatImportPageDto })
  list(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Query() query: ListChatImportsQueryDto,
  ): Promise<ChatImportPageDto> {
    return this.imports.list(org, user, query);
  }

  @Get('imports/:id')
  @ApiOperation({
    operationId: 'getChatImport',
    summary: 'One of your imports: status, progress, error',
    description:
      'Returns one of your imports with its status, progress, resulting conversation and error. Members with ' +
      'chat.use; 404 for someone else’s import.',
  })
  @ApiOkResponse({ type: ChatImportDto })
  get(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<ChatImportDto> {
    return this.imports.get(org, user, id);
  }

  @Get('conversations/:id/export')
  @ApiOperation({
    operationId: 'exportConversation',
    summary: 'Download a conversation you are a member of (streamed): JSON, or WhatsApp-like text',
    description:
      'Streams a conversation you are a member of as a download: JSON, or WhatsApp-like text. Members of the ' +
      'conversation; 404 otherwise.',
  })
  @ApiProduces('application/json', 'text/plain')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  async export(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: ExportConversationQueryDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { stream, filename, contentType } = await this.exports.export(org, user, id, query.format);
    await reply
      .header('Content-Type', contentType)
      .header('Content-Disposition', `attachment; filename="${filename}"`)
      .header('Cache-Control', 'private, no-store')
      .send(stream);
  }
}

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
  Patch,
  Post,
  Put,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { AcceptsMultipart } from 'src/common/http/request-pipeline';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthUser } from 'src/common/auth/auth-user';
import { Authenticated, CurrentUser } from 'src/common/auth/auth.decorators';
import { ApiErrorResponses } from 'src/common/http/api-error-responses.decorator';
import { sendDownload } from 'src/common/http/file-download';
import { ApiIdempotencyKey } from 'src/common/http/idempotency-key';
import { CurrentOrg, OrgContext, RequirePermission } from 'src/modules/organizations/organization.decorators';
import {
  AddMembersDto,
  ChatAttachmentDto,
  ChatMessageDto,
  ChatMessagePageDto,
  ChatSearchQueryDto,
  ChatSearchResultDto,
  ConversationDto,
  ConversationPageDto,
  CreateConversationDto,
  EditMessageDto,
  ListConversationsQueryDto,
  ListMessagesQueryDto,
  MarkReadDto,
  ReadAllResultDto,
  ReadStateDto,
  SendMessageDto,
  UnreadCountDto,
  UpdateConversationDto,
  UpdateMembershipDto,
} from './chat.dto';
import { ChatAttachmentsService } from './chat-attachments.service';
import { ChatConversationsService } from './chat-conversations.service';
import { ChatMembersService } from './chat-members.service';
import { ChatMessagesService } from './chat-messages.service';
import { ChatReadStateService } from './chat-read-state.service';
import { ChatPermission } from './chat.domain';

/** The organization's chat: conversations (direct and group), messages, read state and search. */
@ApiTags('chat')
@Authenticated()
@RequirePermission(ChatPermission.Use)
@ApiErrorResponses(401, 403, 404)
@Controller('chat')
export class ChatController {
  constructor(
    private readonly conversations: ChatConversationsService,
    private readonly members: ChatMembersService,
    private readonly chatMessages: ChatMessagesService,
    private readonly readState: ChatReadStateService,
    private readonly attachments: ChatAttachmentsService,
  ) {}

  @Post('conversations')
  @ApiOperation({
    operationId: 'createConversation',
    summary: 'Start a direct conversation (idempotent: 200 with the existing one) or a group (you become its admin)',
  })
  @ApiCreatedResponse({ type: ConversationDto })
  @ApiOkResponse({ type: ConversationDto, description: 'The direct conversation with this user already existed' })
  async create(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Body() dto: CreateConversationDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConversationDto> {
    const result = await this.conversations.create(org, user, dto);
    reply.status(result.created ? HttpStatus.CREATED : HttpStatus.OK);
    return result.conversation;
  }

  @Get('conversations')
  @ApiOperation({
    operationId: 'listConversations',
    summary: 'Your conversations, latest activity first, with the last message and your unread count',
  })
  @ApiOkResponse({ type: ConversationPageDto })
  list(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Query() query: ListConversationsQueryDto,
  ): Promise<ConversationPageDto> {
    return this.conversations.list(org, user, query);
  }

  @Get('conversations/:id')
  @ApiOperation({ operationId: 'getConversation', summary: 'One conversation with its members' })
  @ApiOkResponse({ type: ConversationDto })
  get(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<ConversationDto> {
    return this.members.get(org, user, id);
  }

  @Patch('conversations/:id')
  @ApiOperation({ operationId: 'renameConversation', summary: 'Rename a group (group admins)' })
  @ApiOkResponse({ type: ConversationDto })
  @ApiErrorResponses(409)
  rename(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateConversationDto,
  ): Promise<ConversationDto> {
    return this.conversations.rename(org, user, id, dto);
  }

  @Post('conversations/:id/members')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ operationId: 'addConversationMembers', summary: 'Add organization members to a group (admins)' })
  @ApiOkResponse({ type: ConversationDto })
  @ApiErrorResponses(409)
  addMembers(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: AddMembersDto,
  ): Promise<ConversationDto> {
    return this.members.addMembers(org, user, id, dto);
  }

  @Delete('conversations/:id/members/:userId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'removeConversationMember', summary: 'Remove a member from a group (admins)' })
  @ApiNoContentResponse()
  @ApiErrorResponses(409)
  async removeMember(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('userId', ParseUUIDPipe) userId: string,
  ): Promise<void> {
    await this.members.removeMember(org, user, id, userId);
  }

  @Post('conversations/:id/leave')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'leaveConversation',
    summary: 'Leave a group (the last admin leaving makes the longest-standing member admin)',
  })
  @ApiNoContentResponse()
  @ApiErrorResponses(409)
  async leave(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    await this.members.removeMember(org, user, id, user.id);
  }

  @Patch('conversations/:id/membership')
  @ApiOperation({
    operationId: 'updateConversationMembership',
    summary: 'Archive/unarchive or mute/unmute for yourself',
  })
  @ApiOkResponse({ type: ConversationDto })
  updateMembership(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateMembershipDto,
  ): Promise<ConversationDto> {
    return this.members.updateMembership(org, user, id, dto);
  }

  @Post('conversations/:id/messages')
  @ApiIdempotencyKey('Same key from the same user in the same conversation: the first message is answered (200)')
  @ApiOperation({ operationId: 'sendChatMessage', summary: 'Send a message (optionally replying to another)' })
  @ApiCreatedResponse({ type: ChatMessageDto })
  @ApiOkResponse({ type: ChatMessageDto, description: 'Replay of an earlier send with this idempotency key' })
  async send(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: SendMessageDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ChatMessageDto> {
    const result = await this.chatMessages.send(org, user, id, dto, idempotencyKey);
    reply.status(result.replayed ? HttpStatus.OK : HttpStatus.CREATED);
    return result.message;
  }

  @Get('conversations/:id/messages')
  @ApiOperation({
    operationId: 'listChatMessages',
    summary:
      'Messages: newest first (page back with before=<id>), oldest first with after=<id>, or since=<ISO time> for ' +
      'everything created, edited or deleted since (reconnect catch-up)',
  })
  @ApiOkResponse({ type: ChatMessagePageDto })
  messages(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: ListMessagesQueryDto,
  ): Promise<ChatMessagePageDto> {
    return this.chatMessages.messages(org, user, id, query);
  }

  @Patch('conversations/:id/messages/:messageId')
  @ApiOperation({ operationId: 'editChatMessage', summary: 'Edit your own message' })
  @ApiOkResponse({ type: ChatMessageDto })
  @ApiErrorResponses(410)
  edit(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('messageId', ParseUUIDPipe) messageId: string,
    @Body() dto: EditMessageDto,
  ): Promise<ChatMessageDto> {
    return this.chatMessages.edit(org, user, id, messageId, dto);
  }

  @Delete('conversations/:id/messages/:messageId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'deleteChatMessage', summary: 'Delete a message (author, or a group admin)' })
  @ApiNoContentResponse()
  async remove(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('messageId', ParseUUIDPipe) messageId: string,
  ): Promise<void> {
    await this.chatMessages.delete(org, user, id, messageId);
  }

  @Post('conversations/:id/attachments')
  @ApiOperation({
    operationId: 'uploadChatAttachments',
    summary:
      'Upload files to share (multipart/form-data, one or more "file" parts); send a message with their ids to share them',
  })
  @AcceptsMultipart()
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'array', items: { type: 'string', format: 'binary' } } },
    },
  })
  @ApiCreatedResponse({ type: [ChatAttachmentDto] })
  @ApiErrorResponses(400, 413)
  uploadAttachments(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Req() request: FastifyRequest,
  ): Promise<ChatAttachmentDto[]> {
    return this.attachments.upload(org, user, id, request);
  }

  @Get('conversations/:id/attachments/:attachmentId')
  @ApiOperation({
    operationId: 'downloadChatAttachment',
    summary: 'A shared file (or your own not yet sent upload), streamed',
  })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  async downloadAttachment(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('attachmentId', ParseUUIDPipe) attachmentId: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { meta, stream } = await this.attachments.open(org, user, id, attachmentId);
    await sendDownload(reply, { ...meta, fallback: 'attachment' }, stream);
  }

  @Put('conversations/:id/read')
  @ApiOperation({ operationId: 'markConversationRead', summary: 'Move your read position (never backwards)' })
  @ApiOkResponse({ type: ReadStateDto })
  markRead(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: MarkReadDto,
  ): Promise<ReadStateDto> {
    return this.readState.markRead(org, user, id, dto.messageId);
  }

  @Get('messages/unread/count')
  @ApiOperation({ operationId: 'countUnreadChatMessages', summary: 'Unread messages: total and per conversation' })
  @ApiOkResponse({ type: UnreadCountDto })
  unread(@CurrentOrg() org: OrgContext, @CurrentUser() user: AuthUser): Promise<UnreadCountDto> {
    return this.readState.unreadCount(org, user);
  }

  @Post('messages/read-all')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ operationId: 'markAllChatRead', summary: 'Mark every conversation read up to its newest message' })
  @ApiOkResponse({ type: ReadAllResultDto })
  readAll(@CurrentOrg() org: OrgContext, @CurrentUser() user: AuthUser): Promise<ReadAllResultDto> {
    return this.readState.readAll(org, user);
  }

  @Get('search')
  @ApiOperation({
    operationId: 'searchChat',
    summary: 'Full-text search (websearch syntax) over messages of your conversations',
  })
  @ApiOkResponse({ type: ChatSearchResultDto })
  search(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Query() query: ChatSearchQueryDto,
  ): Promise<ChatSearchResultDto> {
    return this.chatMessages.search(org, user, query);
  }
}

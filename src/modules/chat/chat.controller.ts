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
    description:
      'Starts a direct conversation with another member (idempotent: 200 with the existing one) or a group with ' +
      'a title and members, which you administer. Members with chat.use; 400 for participants who are not ' +
      'members of the organization.',
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
    description:
      'Lists your conversations in the active organization, latest activity first, with their last message and ' +
      'your unread count; archived ones are listed separately with archived=true. Members with chat.use.',
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
  @ApiOperation({
    operationId: 'getConversation',
    summary: 'One conversation with its members',
    description:
      'Returns one of your conversations with its members and their roles. Members with chat.use; 404 when you ' +
      'are not a member of it.',
  })
  @ApiOkResponse({ type: ConversationDto })
  get(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<ConversationDto> {
    return this.members.get(org, user, id);
  }

  @Patch('conversations/:id')
  @ApiOperation({
    operationId: 'renameConversation',
    summary: 'Rename a group (group admins)',
    description:
      'Renames a group conversation; its members get conversation.updated live. Group admins; 403 for other ' +
      'members, 409 for a conversation that is not a group.',
  })
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
  @ApiOperation({
    operationId: 'addConversationMembers',
    summary: 'Add organization members to a group (admins)',
    description:
      'Adds members of the organization to a group conversation; they join its live room at once. Group admins; ' +
      '400 for users outside the organization, 409 when someone already is a member or the conversation is not a ' +
      'group.',
  })
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
  @ApiOperation({
    operationId: 'removeConversationMember',
    summary: 'Remove a member from a group (admins)',
    description:
      'Removes a member from a group conversation and from its live room. Group admins; 403 for other members, ' +
      '409 for a conversation that is not a group.',
  })
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
    description:
      'Leaves a group conversation; when the last admin leaves, the longest-standing member becomes admin. Any ' +
      'member of the group; 409 for a direct conversation.',
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
    description:
      'Archives or unarchives and mutes or unmutes a conversation for yourself only. Members of the ' + 'conversation.',
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
  @ApiOperation({
    operationId: 'sendChatMessage',
    summary: 'Send a message (optionally replying to another)',
    description:
      'Posts a message, optionally replying to another message or sharing uploaded attachments by id; members ' +
      'get message.created live over Socket.IO. Members of the conversation; 400 for a reply to another ' +
      'conversation, 409 in an imported read-only conversation, 429 over the per-minute send limit; an ' +
      'Idempotency-Key replay answers 200.',
  })
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
    description:
      'Pages through a conversation: newest first (page back with before=<id>), oldest first with after=<id>, or ' +
      'since=<ISO time> for everything created, edited or deleted since then (catch-up after a reconnect). ' +
      'Members of the conversation; 400 for an invalid cursor.',
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
  @ApiOperation({
    operationId: 'editChatMessage',
    summary: 'Edit your own message',
    description:
      'Replaces the text of your own message and marks it edited; members get message.updated live. The author ' +
      'only; 403 for someone else’s message, 410 when it was deleted.',
  })
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
  @ApiOperation({
    operationId: 'deleteChatMessage',
    summary: 'Delete a message (author, or a group admin)',
    description:
      'Deletes a message: it stays in the history as deleted, without text or attachments, and members get ' +
      'message.deleted live. Its author or a group admin; 403 for anyone else.',
  })
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
    description:
      'Stores one or more files (multipart/form-data "file" parts) in a conversation; send a message with their ' +
      'ids to share them. Members of the conversation; 400 for a malformed upload, 413 beyond the size or count ' +
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
    description:
      'Streams a file shared in the conversation, or one of your own uploads not sent yet. Members of the ' +
      'conversation; 404 otherwise.',
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
  @ApiOperation({
    operationId: 'markConversationRead',
    summary: 'Move your read position (never backwards)',
    description:
      'Moves your read position in a conversation to a message; it never moves backwards, and the others see the ' +
      'read receipt. Members of the conversation.',
  })
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
  @ApiOperation({
    operationId: 'countUnreadChatMessages',
    summary: 'Unread messages: total and per conversation',
    description:
      'Counts your unread messages in the active organization, in total and per conversation. Members with ' +
      'chat.use.',
  })
  @ApiOkResponse({ type: UnreadCountDto })
  unread(@CurrentOrg() org: OrgContext, @CurrentUser() user: AuthUser): Promise<UnreadCountDto> {
    return this.readState.unreadCount(org, user);
  }

  @Post('messages/read-all')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'markAllChatRead',
    summary: 'Mark every conversation read up to its newest message',
    description:
      'Marks every one of your conversations in the active organization read up to its newest message and says ' +
      'how many changed. Members with chat.use.',
  })
  @ApiOkResponse({ type: ReadAllResultDto })
  readAll(@CurrentOrg() org: OrgContext, @CurrentUser() user: AuthUser): Promise<ReadAllResultDto> {
    return this.readState.readAll(org, user);
  }

  @Get('search')
  @ApiOperation({
    operationId: 'searchChat',
    summary: 'Full-text search (websearch syntax) over messages of your conversations',
    description:
      'Runs a full-text search (websearch syntax) over the messages of the conversations you belong to in the ' +
      'active organization. Members with chat.use; 400 for an invalid query or cursor.',
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

import { DomainEventContext, DomainEvents, OnDomainEvent } from 'src/common/events/domain-events';
import type {} from 'src/modules/organizations/organizations.events';
import { decodeKeysetCursor, encodeKeysetCursor } from 'src/common/http/keyset-cursor';
import {
  EntityManager,
  FilterQuery,
  ForeignKeyConstraintViolationException,
  QueryOrder,
  UniqueConstraintViolationException,
} from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AuthUser } from 'src/common/auth/auth-user';
import { PlatformError, PlatformErrorCode } from 'src/common/errors/app-error';
import { idempotencyKeyOf } from 'src/common/http/idempotency-key';
import { AppConfigService } from 'src/config/app-config.service';
import { nonMembers } from 'src/modules/organizations/non-members';
import { OrgContext } from 'src/modules/organizations/organization.decorators';
import { rooms } from 'src/realtime/events';
import { attachmentsByMessage, claimAttachments } from './chat-attachments';
import { Notification } from 'src/modules/notifications/notification.entity';
import { ChatActivityService } from './chat-activity.service';
import { ChatMessage } from './chat-message.entity';
import { ChatRealtimeService } from './chat-realtime.service';
import { ChatRepository } from './chat.repository';
import {
  AddMembersDto,
  ChatAttachmentDto,
  ChatMessageDto,
  ChatMessagePageDto,
  ChatSearchQueryDto,
  ChatSearchResultDto,
  ConversationDto,
  ConversationPageDto,
  ConversationSummaryDto,
  CreateConversationDto,
  EditMessageDto,
  ListConversationsQueryDto,
  ListMessagesQueryDto,
  ReadAllResultDto,
  ReadStateDto,
  SendMessageDto,
  UnreadCountDto,
  UpdateConversationDto,
  UpdateMembershipDto,
} from './chat.dto';
import { ChatError, ChatErrorCode, invalidCursor } from './chat.errors';
import { ConversationMember, ConversationRole } from './conversation-member.entity';
import { Conversation, ConversationType } from './conversation.entity';

export function toMessageDto(m: ChatMessage, attachments: ChatAttachmentDto[] = []): ChatMessageDto {
  return {
    id: m.id,
    conversationId: m.conversation.id,
    authorId: m.author?.id ?? null,
    body: m.deletedAt ? '' : m.body,
    replyToId: m.replyTo?.id ?? null,
    clientMessageId: m.clientMessageId ?? null,
    createdAt: m.createdAt.toISOString(),
    editedAt: m.editedAt?.toISOString() ?? null,
    deletedAt: m.deletedAt?.toISOString() ?? null,
    deleted: Boolean(m.deletedAt),
    attachments: m.deletedAt ? [] : attachments,
    mentions: m.deletedAt ? [] : m.mentions,
    kind: m.kind,
    authorName: m.authorName ?? null,
    media: m.media ?? null,
  };
}

function toConversationDto(c: Conversation, members: ConversationMember[], me: ConversationMember): ConversationDto {
  return {
    id: c.id,
    type: c.type,
    title: c.title ?? null,
    createdById: c.createdBy?.id ?? null,
    createdAt: c.createdAt.toISOString(),
    lastMessageAt: c.lastMessageAt?.toISOString() ?? null,
    members: members
      .sort((a, b) => a.joinedAt.getTime() - b.joinedAt.getTime())
      .map((m) => ({
        userId: m.user.id,
        role: m.role,
        lastReadMessageId: m.lastReadMessageId ?? null,
        joinedAt: m.joinedAt.toISOString(),
      })),
    muted: me.muted,
    archived: me.archived,
    myRole: me.role,
  };
}

/**
 * Conversations and messages of the organization's chat. Every read and write starts from the caller's own
 * membership row, so a conversation the caller is not in is 404, whatever its id. Realtime events go out only after
 * the transaction that made the change committed.
 */
@Injectable()
export class ChatService {
  constructor(
    private readonly em: EntityManager,
    private readonly realtime: ChatRealtimeService,
    private readonly config: AppConfigService,
    private readonly activity: ChatActivityService,
    private readonly chat: ChatRepository,
  ) {}

  // ---- conversations ----

  async create(
    org: OrgContext,
    actor: AuthUser,
    dto: CreateConversationDto,
  ): Promise<{ conversation: ConversationDto; created: boolean }> {
    const others = [...new Set(dto.memberIds)].filter((id) => id !== actor.id);
    if (dto.type === ConversationType.Direct) {
      if (others.length !== 1 || dto.memberIds.length !== 1) {
        throw new ChatError(ChatErrorCode.InvalidParticipants, 'A direct conversation has exactly one other user', {
          field: 'memberIds',
        });
      }
      if (dto.title !== undefined) {
        throw new PlatformError(PlatformErrorCode.ValidationFailed, 'Invalid input: title', [
          { field: 'title', errors: ['title is only for group conversations'] },
        ]);
      }
    }
    await this.assertOrgMembers(org, others);
    const directKey = dto.type === ConversationType.Direct ? [actor.id, others[0]].sort().join(':') : null;
    if (directKey) {
      const existing = await this.em.findOne(Conversation, { organization: org.id, directKey });
      if (existing) {
        return { conversation: await this.get(org, actor, existing.id), created: false };
      }
    }
    let conversationId: string;
    try {
      conversationId = await this.em.transactional(async (em) => {
        const conversation = em.create(Conversation, {
          organization: org.id,
          type: dto.type,
          title: directKey ? null : dto.title,
          createdBy: actor.id,
          directKey,
        });
        em.create(ConversationMember, {
          conversation,
          user: actor.id,
          role: directKey ? ConversationRole.Member : ConversationRole.Admin,
        });
        for (const userId of others) {
          em.create(ConversationMember, { conversation, user: userId, role: ConversationRole.Member });
        }
        await em.flush();
        return conversation.id;
      });
    } catch (error) {
      // Two people opened the same direct conversation at once: the second insert lost; answer with the first.
      if (directKey && error instanceof UniqueConstraintViolationException) {
        const existing = await this.em.fork().findOneOrFail(Conversation, { organization: org.id, directKey });
        return { conversation: await this.get(org, actor, existing.id), created: false };
      }
      throw error;
    }
    const userIds = [actor.id, ...others];
    this.realtime.join(userIds, conversationId);
    this.realtime.toRooms(userIds.map(rooms.user), 'conversation.updated', { conversationId, reason: 'created' });
    await this.activity.conversationCreated(org.id, {
      conversationId,
      type: dto.type,
      title: directKey ? null : (dto.title ?? null),
      createdById: actor.id,
      memberIds: userIds,
    });
    return { conversation: await this.get(org, actor, conversationId), created: true };
  }

  async list(org: OrgContext, actor: AuthUser, query: ListConversationsQueryDto): Promise<ConversationPageDto> {
    // Keyset over (coalesce(lastMessageAt, createdAt) desc, id desc).
    const after = query.cursor ? decodeKeysetCursor(query.cursor, invalidCursor) : undefined;
    const rows = await this.chat.findConversationPage({
      userId: actor.id,
      organizationId: org.id,
      archived: query.archived,
      after,
      limit: query.limit,
    });
    const page = rows.slice(0, query.limit);
    const lastIds = page.map((r) => r.last_message_id).filter((id): id is string => Boolean(id));
    const lastMessages = lastIds.length ? await this.em.find(ChatMessage, { id: { $in: lastIds } }) : [];
    const byId = new Map((await this.toDtos(lastMessages)).map((m) => [m.id, m]));
    const items: ConversationSummaryDto[] = page.map((r) => {
      const last = r.last_message_id ? byId.get(r.last_message_id) : undefined;
      return {
        id: r.id,
        type: r.type,
        title: r.title,
        lastMessageAt: r.last_message_at ? new Date(r.last_message_at).toISOString() : null,
        lastMessage: last ?? null,
        unreadCount: r.unread,
        muted: r.muted,
        archived: r.archived,
      };
    });
    const lastRow = page[page.length - 1];
    return {
      items,
      nextCursor: rows.length > query.limit ? encodeKeysetCursor(new Date(lastRow.sort_at), lastRow.id) : null,
    };
  }

  async get(org: OrgContext, actor: AuthUser, conversationId: string): Promise<ConversationDto> {
    const me = await this.membership(org, actor, conversationId);
    const members = await this.em.find(ConversationMember, { conversation: conversationId });
    return toConversationDto(me.conversation, members, me);
  }

  async rename(org: OrgContext, actor: AuthUser, conversationId: string, dto: UpdateConversationDto) {
    const me = await this.membership(org, actor, conversationId);
    this.assertGroupAdmin(me);
    me.conversation.title = dto.title;
    await this.em.flush();
    this.realtime.toConversation(conversationId, 'conversation.updated', { conversationId, reason: 'title' });
    return this.get(org, actor, conversationId);
  }

  async addMembers(org: OrgContext, actor: AuthUser, conversationId: string, dto: AddMembersDto) {
    const me = await this.membership(org, actor, conversationId);
    this.assertGroupAdmin(me);
    const wanted = [...new Set(dto.userIds)];
    await this.assertOrgMembers(org, wanted);
    const present = await this.em.find(ConversationMember, { conversation: conversationId, user: { $in: wanted } });
    const presentIds = new Set(present.map((m) => m.user.id));
    const added = wanted.filter((id) => !presentIds.has(id));
    if (added.length > 0) {
      await this.em.transactional(async (em) => {
        for (const userId of added) {
          em.create(ConversationMember, { conversation: conversationId, user: userId, role: ConversationRole.Member });
        }
        await em.flush();
      });
      this.realtime.join(added, conversationId);
      this.realtime.toRooms([rooms.conversation(conversationId), ...added.map(rooms.user)], 'conversation.updated', {
        conversationId,
        reason: 'members_added',
        userIds: added,
      });
    }
    return this.get(org, actor, conversationId);
  }

  /** Removes a member (group admins), or the caller themself (leave). The last admin leaving promotes the oldest member. */
  async removeMember(org: OrgContext, actor: AuthUser, conversationId: string, userId: string): Promise<void> {
    const me = await this.membership(org, actor, conversationId);
    if (me.conversation.type === ConversationType.Direct) {
      throw new ChatError(ChatErrorCode.NotGroup, 'Members of a direct conversation cannot change; archive it instead');
    }
    if (userId !== actor.id && me.role !== ConversationRole.Admin) {
      throw new ChatError(ChatErrorCode.AdminRequired, 'Only the group’s admins can remove members');
    }
    await this.em.transactional(async (em) => {
      const target = await em.findOne(ConversationMember, { conversation: conversationId, user: userId });
      if (!target) {
        throw new ChatError(ChatErrorCode.NotMember, `user ${userId} is not a member of this conversation`);
      }
      em.remove(target);
      await em.flush();
      const rest = await em.find(
        ConversationMember,
        { conversation: conversationId },
        { orderBy: { joinedAt: 'asc' } },
      );
      if (rest.length === 0) {
        em.remove(em.getReference(Conversation, conversationId));
      } else if (!rest.some((m) => m.role === ConversationRole.Admin)) {
        rest[0].role = ConversationRole.Admin;
      }
      await em.flush();
    });
    this.realtime.leave([userId], conversationId);
    this.realtime.toRooms([rooms.conversation(conversationId), rooms.user(userId)], 'conversation.updated', {
      conversationId,
      reason: 'member_removed',
      userIds: [userId],
    });
  }

  async updateMembership(org: OrgContext, actor: AuthUser, conversationId: string, dto: UpdateMembershipDto) {
    const me = await this.membership(org, actor, conversationId);
    if (dto.archived !== undefined) {
      me.archived = dto.archived;
    }
    if (dto.muted !== undefined) {
      me.muted = dto.muted;
    }
    await this.em.flush();
    return this.get(org, actor, conversationId);
  }

  // ---- messages ----

  /**
   * Sends a message. With an idempotency key (the `Idempotency-Key` header or `clientMessageId`) a retry finds the
   * stored message and answers it (`replayed`), also when two retries race (the unique key decides).
   */
  async send(
    org: OrgContext,
    actor: AuthUser,
    conversationId: string,
    dto: SendMessageDto,
    headerKey: string | undefined,
  ): Promise<{ message: ChatMessageDto; replayed: boolean }> {
    idempotencyKeyOf(headerKey);
    if (headerKey !== undefined && dto.clientMessageId !== undefined && headerKey !== dto.clientMessageId) {
      throw new PlatformError(PlatformErrorCode.ValidationFailed, 'Invalid input: clientMessageId', [
        { field: 'clientMessageId', errors: ['clientMessageId differs from the Idempotency-Key header'] },
      ]);
    }
    const maxFiles = this.config.chatAttachments.maxFiles;
    if (dto.attachmentIds && dto.attachmentIds.length > maxFiles) {
      throw new PlatformError(PlatformErrorCode.ValidationFailed, 'Invalid input: attachmentIds', [
        { field: 'attachmentIds', errors: [`attachmentIds must contain at most ${maxFiles} elements`] },
      ]);
    }
    const key = headerKey ?? dto.clientMessageId ?? null;
    const me = await this.membership(org, actor, conversationId);
    assertWritable(me);
    const replay = async (): Promise<ChatMessage | null> =>
      key
        ? this.em.fork().findOne(ChatMessage, { conversation: conversationId, author: actor.id, clientMessageId: key })
        : null;
    const earlier = await replay();
    if (earlier) {
      return { message: await this.toDto(earlier), replayed: true };
    }
    await this.activity.takeSendRate(actor.id);
    let message: ChatMessage;
    let notified: Notification[] = [];
    try {
      message = await this.em.transactional(async (em) => {
        const sent = em.create(ChatMessage, {
          conversation: conversationId,
          author: actor.id,
          body: dto.body ?? '',
          clientMessageId: key,
          replyTo: dto.replyToId ? em.getReference(ChatMessage, dto.replyToId) : null,
        });
        const conversation = await em.findOneOrFail(Conversation, conversationId);
        conversation.lastMessageAt = sent.createdAt;
        const mine = await em.findOneOrFail(ConversationMember, { conversation: conversationId, user: actor.id });
        mine.lastReadMessageId = sent.id;
        mine.lastReadAt = sent.createdAt;
        await em.flush();
        await claimAttachments(em, {
          conversationId,
          uploaderId: actor.id,
          messageId: sent.id,
          ids: dto.attachmentIds ?? [],
        });
        // The foreign key proves the replied-to message exists; that it is in this conversation is checked here, in
        // the same transaction, so a reply across conversations rolls the whole send back (and emits nothing).
        if (dto.replyToId) {
          const target = await em.count(ChatMessage, { id: dto.replyToId, conversation: conversationId });
          if (target === 0) {
            throw replyError(dto.replyToId);
          }
        }
        notified = await this.activity.recordMentions(em, sent, actor.id);
        return sent;
      });
    } catch (error) {
      if (error instanceof ForeignKeyConstraintViolationException && dto.replyToId) {
        throw replyError(dto.replyToId);
      }
      if (key && error instanceof UniqueConstraintViolationException) {
        const raced = await replay();
        if (raced) {
          return { message: await this.toDto(raced), replayed: true };
        }
      }
      throw error;
    }
    const result = await this.toDto(message);
    this.realtime.toConversation(conversationId, 'message.created', result);
    await this.activity.messageCreated(org.id, me.conversation.type, result, notified);
    return { message: result, replayed: false };
  }

  /**
   * Newest first by default (`before` pages back); `after` pages forward, oldest first; `since` returns what was
   * created, edited or deleted after that instant, oldest first (reconnect catch-up), paging on with `after`.
   */
  async messages(
    org: OrgContext,
    actor: AuthUser,
    conversationId: string,
    query: ListMessagesQueryDto,
  ): Promise<ChatMessagePageDto> {
    await this.membership(org, actor, conversationId);
    if (query.before && (query.after || query.since)) {
      throw new PlatformError(PlatformErrorCode.ValidationFailed, 'Invalid input: before', [
        { field: 'before', errors: ['before pages back from the newest; it cannot be combined with after or since'] },
      ]);
    }
    const where: FilterQuery<ChatMessage>[] = [{ conversation: conversationId }];
    const ascending = Boolean(query.after || query.since);
    const cursorId = query.after ?? query.before;
    if (cursorId) {
      const cursor = await this.em.findOne(ChatMessage, { id: cursorId, conversation: conversationId });
      if (!cursor) {
        throw new ChatError(ChatErrorCode.InvalidCursor, 'cursor is not a message of this conversation', {
          field: query.after ? 'after' : 'before',
        });
      }
      const op = ascending ? '$gt' : '$lt';
      where.push({
        $or: [{ createdAt: { [op]: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { [op]: cursor.id } }],
      });
    }
    if (query.since) {
      where.push({ updatedAt: { $gt: query.since } });
    }
    const order = ascending ? QueryOrder.ASC : QueryOrder.DESC;
    const rows = await this.em.find(
      ChatMessage,
      { $and: where },
      { orderBy: { createdAt: order, id: order }, limit: query.limit + 1 },
    );
    const page = rows.slice(0, query.limit);
    const hasMore = rows.length > query.limit;
    return {
      items: await this.toDtos(page),
      hasMore,
      nextCursor: page.length > 0 ? page[page.length - 1].id : null,
    };
  }

  async edit(
    org: OrgContext,
    actor: AuthUser,
    conversationId: string,
    messageId: string,
    dto: EditMessageDto,
  ): Promise<ChatMessageDto> {
    const me = await this.membership(org, actor, conversationId);
    assertWritable(me);
    const message = await this.message(conversationId, messageId);
    if (message.author?.id !== actor.id) {
      throw new ChatError(ChatErrorCode.NotAuthor, 'Only the author can edit a message');
    }
    if (message.deletedAt) {
      throw new ChatError(ChatErrorCode.MessageDeleted, 'The message was deleted');
    }
    const notified = await this.em.transactional(async (em) => {
      message.body = dto.body;
      message.editedAt = new Date();
      return this.activity.recordMentions(em, message, actor.id);
    });
    const result = await this.toDto(message);
    this.realtime.toConversation(conversationId, 'message.updated', result);
    await this.activity.messageUpdated(org.id, me.conversation.type, result, notified);
    return result;
  }

  /** Soft delete by the author or a group admin; deleting again changes nothing. */
  async delete(org: OrgContext, actor: AuthUser, conversationId: string, messageId: string): Promise<void> {
    const me = await this.membership(org, actor, conversationId);
    assertWritable(me);
    const message = await this.message(conversationId, messageId);
    const groupAdmin = me.conversation.type === ConversationType.Group && me.role === ConversationRole.Admin;
    if (message.author?.id !== actor.id && !groupAdmin) {
      throw new ChatError(ChatErrorCode.NotAuthor, 'Only the author or a group admin can delete a message');
    }
    if (message.deletedAt) {
      return;
    }
    message.deletedAt = new Date();
    message.body = '';
    message.mentions = [];
    await this.em.flush();
    this.realtime.toConversation(conversationId, 'message.deleted', {
      conversationId,
      id: message.id,
      deletedAt: message.deletedAt.toISOString(),
    });
    await this.activity.messageDeleted(org.id, {
      conversationId,
      id: message.id,
      deletedById: actor.id,
      deletedAt: message.deletedAt.toISOString(),
    });
  }

  // ---- read state ----

  async markRead(org: OrgContext, actor: AuthUser, conversationId: string, messageId: string): Promise<ReadStateDto> {
    const me = await this.membership(org, actor, conversationId);
    const message = await this.message(conversationId, messageId);
    const ahead =
      !me.lastReadAt ||
      message.createdAt > me.lastReadAt ||
      (message.createdAt.getTime() === me.lastReadAt.getTime() && message.id > (me.lastReadMessageId ?? ''));
    if (ahead) {
      me.lastReadMessageId = message.id;
      me.lastReadAt = message.createdAt;
      await this.em.flush();
      this.realtime.toConversation(conversationId, 'read', {
        conversationId,
        userId: actor.id,
        messageId: message.id,
        readAt: new Date().toISOString(),
      });
    }
    const count = await this.chat.countUnreadOfMember(me.id);
    return {
      conversationId,
      lastReadMessageId: me.lastReadMessageId ?? null,
      lastReadAt: me.lastReadAt?.toISOString() ?? null,
      unreadCount: count,
    };
  }

  async unreadCount(org: OrgContext, actor: AuthUser): Promise<UnreadCountDto> {
    const rows = await this.chat.countUnreadByConversation(actor.id, org.id);
    return {
      total: rows.reduce((sum, r) => sum + r.count, 0),
      conversations: rows.map((r) => ({ conversationId: r.conversation_id, count: r.count })),
    };
  }

  /** Moves the read position of every conversation of the caller (in this organization) to its newest message. */
  async readAll(org: OrgContext, actor: AuthUser): Promise<ReadAllResultDto> {
    const moved = await this.chat.markAllRead(actor.id, org.id);
    const readAt = new Date().toISOString();
    for (const row of moved) {
      this.realtime.toConversation(row.conversation_id, 'read', {
        conversationId: row.conversation_id,
        userId: actor.id,
        messageId: row.message_id,
        readAt,
      });
    }
    return { conversations: moved.length };
  }

  // ---- search ----

  /** websearch syntax with the 'simple' configuration, over the conversations the caller is a member of. */
  async search(org: OrgContext, actor: AuthUser, query: ChatSearchQueryDto): Promise<ChatSearchResultDto> {
    const hits = await this.chat.searchMessages({
      userId: actor.id,
      organizationId: org.id,
      q: query.q,
      conversationId: query.conversationId,
      limit: query.limit,
    });
    const rows = hits.length ? await this.em.find(ChatMessage, { id: { $in: hits.map((h) => h.id) } }) : [];
    const byId = new Map((await this.toDtos(rows)).map((m) => [m.id, m]));
    return {
      items: hits.filter((h) => byId.has(h.id)).map((h) => ({ ...byId.get(h.id)!, rank: h.rank })),
    };
  }

  // ---- domain events ----

  /**
   * In the transaction that removed a member from an organization: takes them out of its conversations; once it
   * committed, their sockets leave those rooms and the other members hear of it.
   */
  @OnDomainEvent('organization.member.removed', { phase: 'transaction' })
  async onMemberRemoved(
    { organizationId, userId }: DomainEvents['organization.member.removed'],
    { em, afterCommit }: DomainEventContext,
  ): Promise<void> {
    const conversationIds = await this.chat.removeFromOrganizationConversations(em, organizationId, userId);
    afterCommit(() => this.afterOrganizationLeft(userId, conversationIds));
  }

  /** After commit: the user's sockets leave those conversations' rooms, and the other members hear of it. */
  private afterOrganizationLeft(userId: string, conversationIds: string[]): void {
    for (const conversationId of conversationIds) {
      this.realtime.leave([userId], conversationId);
      this.realtime.toConversation(conversationId, 'conversation.updated', {
        conversationId,
        reason: 'member_removed',
        userIds: [userId],
      });
    }
  }

  // ---- used by the gateway ----

  /** Ids of every conversation the user is a member of (all organizations): the rooms a `/chat` socket joins. */
  conversationIdsOf(userId: string): Promise<string[]> {
    return this.chat.conversationIdsOf(userId);
  }

  /**
   * Those of `userIds` who share at least one conversation with `userId` (any organization; a conversation lies in
   * one), and `userId` itself: the users whose presence `userId` may see.
   */
  async presenceVisibleTo(userId: string, userIds: string[]): Promise<Set<string>> {
    return new Set([userId, ...(await this.chat.usersSharingAConversationWith(userId, userIds))]);
  }

  isMember(userId: string, conversationId: string): Promise<boolean> {
    return this.chat.isMember(userId, conversationId);
  }

  // ---- helpers ----

  private async toDtos(messages: ChatMessage[]): Promise<ChatMessageDto[]> {
    const live = messages.filter((m) => !m.deletedAt).map((m) => m.id);
    const attachments = await attachmentsByMessage(this.em, live);
    return messages.map((m) => toMessageDto(m, attachments.get(m.id)));
  }

  private async toDto(message: ChatMessage): Promise<ChatMessageDto> {
    const [dto] = await this.toDtos([message]);
    return dto;
  }

  async membership(org: OrgContext, actor: AuthUser, conversationId: string): Promise<ConversationMember> {
    const me = await this.em.findOne(
      ConversationMember,
      { conversation: { id: conversationId, organization: org.id }, user: actor.id },
      { populate: ['conversation'] },
    );
    if (!me) {
      throw new ChatError(ChatErrorCode.ConversationNotFound, `conversation ${conversationId}`);
    }
    return me;
  }

  private async message(conversationId: string, messageId: string): Promise<ChatMessage> {
    const message = await this.em.findOne(ChatMessage, { id: messageId, conversation: conversationId });
    if (!message) {
      throw new ChatError(ChatErrorCode.MessageNotFound, `message ${messageId}`);
    }
    return message;
  }

  private assertGroupAdmin(me: ConversationMember): void {
    if (me.conversation.type !== ConversationType.Group) {
      throw new ChatError(ChatErrorCode.NotGroup, 'Only group conversations have a title and changing members');
    }
    if (me.role !== ConversationRole.Admin) {
      throw new ChatError(ChatErrorCode.AdminRequired, 'Only the group’s admins can do this');
    }
  }

  private async assertOrgMembers(org: OrgContext, userIds: string[]): Promise<void> {
    const missing = await nonMembers(this.em, org.id, userIds);
    if (missing.length > 0) {
      throw new ChatError(ChatErrorCode.NotOrgMember, 'Participants must be members of the organization', {
        field: 'memberIds',
        userIds: missing,
      });
    }
  }
}

/** Imported conversations are history: nothing is sent, edited or deleted in them. */
export function assertWritable(me: ConversationMember): void {
  if (me.conversation.type === ConversationType.Imported) {
    throw new ChatError(ChatErrorCode.ReadOnly, 'This conversation was imported and is read-only', {
      conversationId: me.conversation.id,
    });
  }
}

function replyError(replyToId: string): ChatError {
  return new ChatError(ChatErrorCode.ReplyNotInConversation, `message ${replyToId} is not in this conversation`, {
    field: 'replyToId',
  });
}

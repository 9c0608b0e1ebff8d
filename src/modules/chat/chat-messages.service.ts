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
import { Notification } from 'src/modules/notifications/notification.entity';
import { OrgContext } from 'src/modules/organizations/organization.decorators';
import { ChatActivityService } from './chat-activity.service';
import { attachmentsByMessage } from './chat-attachments';
import { ChatMembersService } from './chat-members.service';
import { ChatMessage } from './chat-message.entity';
import { ChatRealtimeService } from './chat-realtime.service';
import {
  ChatAttachmentDto,
  ChatMessageDto,
  ChatMessagePageDto,
  ChatSearchQueryDto,
  ChatSearchResultDto,
  EditMessageDto,
  ListMessagesQueryDto,
  SendMessageDto,
} from './chat.dto';
import { ChatError, ChatErrorCode } from './chat.errors';
import { ChatRepository } from './chat.repository';
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

/**
 * Messages of a conversation: sending (idempotent), paging (back, forward, catch-up), editing, soft deletes, and
 * full-text search over the caller's conversations. Each starts from the caller's membership; realtime events and
 * webhooks go out only after the transaction committed.
 */
@Injectable()
export class ChatMessagesService {
  constructor(
    private readonly em: EntityManager,
    private readonly realtime: ChatRealtimeService,
    private readonly config: AppConfigService,
    private readonly activity: ChatActivityService,
    private readonly members: ChatMembersService,
    private readonly chat: ChatRepository,
  ) {}

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
    const me = await this.members.membership(org, actor, conversationId);
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
        // Both rows were loaded with the caller's membership; the transaction's fork shares that identity map, so
        // these are found by primary key without a query (the transaction is the send's only round trips).
        const conversation = await em.findOneOrFail(Conversation, me.conversation.id);
        conversation.lastMessageAt = sent.createdAt;
        const mine = await em.findOneOrFail(ConversationMember, me.id);
        mine.lastReadMessageId = sent.id;
        mine.lastReadAt = sent.createdAt;
        await em.flush();
        await this.claimAttachments(em, {
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
    // A new message has exactly the attachments it claimed: without any, there is nothing to look up.
    const result = dto.attachmentIds?.length ? await this.toDto(message) : toMessageDto(message, []);
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
    await this.members.membership(org, actor, conversationId);
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
    const me = await this.members.membership(org, actor, conversationId);
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
    const me = await this.members.membership(org, actor, conversationId);
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

  // ---- helpers ----

  /** Message DTOs with the attachments of the live ones. */
  async toDtos(messages: ChatMessage[]): Promise<ChatMessageDto[]> {
    const live = messages.filter((m) => !m.deletedAt).map((m) => m.id);
    const attachments = await attachmentsByMessage(this.em, live);
    return messages.map((m) => toMessageDto(m, attachments.get(m.id)));
  }

  private async toDto(message: ChatMessage): Promise<ChatMessageDto> {
    const [dto] = await this.toDtos([message]);
    return dto;
  }

  /**
   * Inside the send's transaction: attaches the caller's pending uploads of this conversation to the new message.
   * Any id that is not such an upload (someone else's, another conversation's, already sent) fails the whole send.
   */
  private async claimAttachments(
    em: EntityManager,
    claim: { conversationId: string; uploaderId: string; messageId: string; ids: string[] },
  ): Promise<void> {
    if (claim.ids.length === 0) {
      return;
    }
    const claimed = await this.chat.claimPendingAttachments(em, claim);
    if (claimed.length !== claim.ids.length) {
      throw new ChatError(
        ChatErrorCode.AttachmentInvalid,
        'attachmentIds must name your own uploads to this conversation that are not attached to a message yet',
        { field: 'attachmentIds' },
      );
    }
  }

  /** A message of the conversation; 404 `CHAT_MESSAGE_NOT_FOUND` otherwise. */
  async message(conversationId: string, messageId: string): Promise<ChatMessage> {
    const message = await this.em.findOne(ChatMessage, { id: messageId, conversation: conversationId });
    if (!message) {
      throw new ChatError(ChatErrorCode.MessageNotFound, `message ${messageId}`);
    }
    return message;
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

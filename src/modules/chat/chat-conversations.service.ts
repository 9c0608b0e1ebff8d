import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AuthUser } from 'src/common/auth/auth-user';
import { PlatformError, PlatformErrorCode } from 'src/common/errors/app-error';
import { decodeKeysetCursor, encodeKeysetCursor } from 'src/common/http/keyset-cursor';
import { OrgContext } from 'src/modules/organizations/organization.decorators';
import { rooms } from 'src/realtime/events';
import { ChatActivityService } from './chat-activity.service';
import { ChatMembersService, assertGroupAdmin } from './chat-members.service';
import { ChatMessage } from './chat-message.entity';
import { ChatMessagesService } from './chat-messages.service';
import { ChatRealtimeService } from './chat-realtime.service';
import {
  ConversationDto,
  ConversationPageDto,
  ConversationSummaryDto,
  CreateConversationDto,
  ListConversationsQueryDto,
  UpdateConversationDto,
} from './chat.dto';
import { ChatError, ChatErrorCode, invalidCursor } from './chat.errors';
import { ChatRepository } from './chat.repository';
import { ConversationMember, ConversationRole } from './conversation-member.entity';
import { Conversation, ConversationType } from './conversation.entity';

/**
 * Conversations of the organization's chat: starting a direct one (idempotent) or a group, the caller's list with
 * unread counts and last messages, and renaming a group. Realtime events go out only after the transaction committed.
 */
@Injectable()
export class ChatConversationsService {
  constructor(
    private readonly em: EntityManager,
    private readonly realtime: ChatRealtimeService,
    private readonly activity: ChatActivityService,
    private readonly members: ChatMembersService,
    private readonly messages: ChatMessagesService,
    private readonly chat: ChatRepository,
  ) {}

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
    await this.members.assertOrgMembers(org, others);
    const directKey = dto.type === ConversationType.Direct ? [actor.id, others[0]].sort().join(':') : null;
    if (directKey) {
      const existing = await this.em.findOne(Conversation, { organization: org.id, directKey });
      if (existing) {
        return { conversation: await this.members.get(org, actor, existing.id), created: false };
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
        return { conversation: await this.members.get(org, actor, existing.id), created: false };
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
    return { conversation: await this.members.get(org, actor, conversationId), created: true };
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
    const byId = new Map((await this.messages.toDtos(lastMessages)).map((m) => [m.id, m]));
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

  async rename(org: OrgContext, actor: AuthUser, conversationId: string, dto: UpdateConversationDto) {
    const me = await this.members.membership(org, actor, conversationId);
    assertGroupAdmin(me);
    me.conversation.title = dto.title;
    await this.em.flush();
    this.realtime.toConversation(conversationId, 'conversation.updated', { conversationId, reason: 'title' });
    return this.members.get(org, actor, conversationId);
  }
}

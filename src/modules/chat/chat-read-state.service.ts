import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AuthUser } from 'src/common/auth/auth-user';
import { OrgContext } from 'src/modules/organizations/organization.decorators';
import { ChatMembersService } from './chat-members.service';
import { ChatMessagesService } from './chat-messages.service';
import { ChatRealtimeService } from './chat-realtime.service';
import { ReadAllResultDto, ReadStateDto, UnreadCountDto } from './chat.dto';
import { ChatRepository } from './chat.repository';

/** Read positions and unread counts of the caller's conversations; `read` events go out after the change. */
@Injectable()
export class ChatReadStateService {
  constructor(
    private readonly em: EntityManager,
    private readonly realtime: ChatRealtimeService,
    private readonly members: ChatMembersService,
    private readonly messages: ChatMessagesService,
    private readonly chat: ChatRepository,
  ) {}

  async markRead(org: OrgContext, actor: AuthUser, conversationId: string, messageId: string): Promise<ReadStateDto> {
    const me = await this.members.membership(org, actor, conversationId);
    const message = await this.messages.message(conversationId, messageId);
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
}

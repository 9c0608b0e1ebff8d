import { DomainEventBus } from 'src/common/events/domain-events';
import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { takeFixedWindow } from 'src/common/rate-limit/fixed-window';
import { AppConfigService } from 'src/config/app-config.service';
import { Notification, NotificationType } from 'src/modules/notifications/notification.entity';
import { NotificationsService } from 'src/modules/notifications/notifications.service';
import { REDIS } from 'src/redis/redis.module';
import type {} from './chat.webhooks';
import { ChatMessage } from './chat-message.entity';
import { mentionRecipients, parseMentions } from './chat-mentions';
import { ChatMessageDto } from './chat.dto';
import { ChatError, ChatErrorCode } from './chat.errors';
import { ChatRepository } from './chat.repository';
import { Conversation } from './conversation.entity';

const PREVIEW_MAX = 200;

/**
 * What a chat change causes beyond the conversation itself: `@username` mentions (stored on the message, and a
 * `chat.mention` notification for each newly mentioned member), outgoing `chat.*` webhooks, and the per-user send
 * rate. The messages and conversations services call it inside their transactions (mentions) and after they committed (everything else).
 */
@Injectable()
export class ChatActivityService {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly events: DomainEventBus,
    private readonly config: AppConfigService,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly chat: ChatRepository,
  ) {}

  /** `CHAT_SEND_RATE_PER_MINUTE` messages per user and minute; beyond, `429 CHAT_SEND_RATE_LIMITED` + Retry-After. */
  async takeSendRate(userId: string): Promise<void> {
    const limit = this.config.chat.sendRatePerMinute;
    const { allowed, retryAfterSeconds } = await takeFixedWindow(this.redis, `chat:send-rate:${userId}`, limit);
    if (!allowed) {
      throw new ChatError(ChatErrorCode.SendRateLimited, `At most ${limit} chat messages per minute`, {
        limit,
        retryAfterSeconds,
      }).withRetryAfter(retryAfterSeconds);
    }
  }

  /**
   * Inside the send or edit transaction: sets `message.mentions` to the conversation's members its body mentions
   * and records a `chat.mention` notification for each of them, except the author and anyone this message already
   * mentioned or notified (so an edit never notifies twice). Returns the notifications for `published()`.
   */
  async recordMentions(em: EntityManager, message: ChatMessage, authorId: string): Promise<Notification[]> {
    const previous = message.mentions;
    const handles = parseMentions(message.body);
    const conversationId = message.conversation.id;
    const mentioned = handles.length ? await this.chat.findMembersByUsername(em, conversationId, handles) : [];
    const order = new Map(handles.map((h, i) => [h, i]));
    message.mentions = mentioned
      .sort((a, b) => (order.get(a.username) ?? 0) - (order.get(b.username) ?? 0))
      .map((r) => r.user_id);
    let recipients = mentionRecipients(message.mentions, authorId, previous);
    if (recipients.length > 0) {
      const notified = new Set(await this.notifiedAbout(message.id, recipients));
      recipients = recipients.filter((id) => !notified.has(id));
    }
    if (recipients.length === 0) {
      await em.flush();
      return [];
    }
    const conversation = await em.findOneOrFail(Conversation, conversationId);
    const author = await this.chat.findAuthorName(em, authorId);
    const who = author?.display_name || `@${author?.username ?? 'someone'}`;
    const where = conversation.title ? ` in ${conversation.title}` : '';
    const body = message.body.length > PREVIEW_MAX ? `${message.body.slice(0, PREVIEW_MAX - 1)}…` : message.body;
    const created = await this.notifications.notify(
      em,
      recipients.map((userId) => ({
        userId,
        organizationId: conversation.organization.id,
        type: NotificationType.ChatMention,
        title: `${who} mentioned you${where}`,
        body,
        data: { conversationId, messageId: message.id, authorId },
      })),
    );
    await em.flush();
    return created;
  }

  /** After the send committed: the mention notifications go out, and `chat.message.created` webhooks. */
  async messageCreated(
    organizationId: string,
    conversationType: string,
    message: ChatMessageDto,
    notified: Notification[],
  ): Promise<void> {
    this.notifications.published(notified);
    await this.events.publish('chat.message.created', {
      organizationId: organizationId,
      data: messageData(conversationType, message),
    });
  }

  async messageUpdated(
    organizationId: string,
    conversationType: string,
    message: ChatMessageDto,
    notified: Notification[],
  ): Promise<void> {
    this.notifications.published(notified);
    await this.events.publish('chat.message.updated', {
      organizationId: organizationId,
      data: {
        ...messageData(conversationType, message),
        editedAt: message.editedAt ?? new Date().toISOString(),
      },
    });
  }

  async messageDeleted(
    organizationId: string,
    data: { conversationId: string; id: string; deletedById: string; deletedAt: string },
  ): Promise<void> {
    await this.events.publish('chat.message.deleted', { organizationId: organizationId, data: data });
  }

  async conversationCreated(
    organizationId: string,
    data: { conversationId: string; type: string; title: string | null; createdById: string; memberIds: string[] },
  ): Promise<void> {
    await this.events.publish('chat.conversation.created', { organizationId: organizationId, data: data });
  }

  private notifiedAbout(messageId: string, userIds: string[]): Promise<string[]> {
    return this.notifications.usersNotifiedAbout(NotificationType.ChatMention, 'messageId', messageId, userIds);
  }
}

function messageData(conversationType: string, m: ChatMessageDto) {
  return {
    conversationId: m.conversationId,
    conversationType,
    id: m.id,
    authorId: m.authorId ?? '',
    body: m.body,
    replyToId: m.replyToId,
    mentions: m.mentions,
    createdAt: m.createdAt,
  };
}

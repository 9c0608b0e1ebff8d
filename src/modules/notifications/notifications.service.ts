import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AuthUser } from 'src/common/auth/auth-user';
import { decodeKeysetCursor, encodeKeysetCursor } from 'src/common/http/keyset-cursor';
import {
  NotificationCategory,
  NotificationChannel,
  resolvePreferences,
} from 'src/modules/settings/notification-preferences';
import { NotificationPayload } from './notifications.realtime';
import { RealtimeService } from 'src/realtime/realtime.service';
import { Notification } from './notification.entity';
import { NotificationRepository } from './notification.repository';
import {
  ListNotificationsQueryDto,
  NotificationDto,
  NotificationPageDto,
  NotificationUnreadCountDto,
  ReadAllNotificationsDto,
  ReadAllNotificationsResultDto,
} from './notifications.dto';
import { invalidCursor, NotificationError, NotificationErrorCode } from './notifications.errors';

/** What a module asks `notify()` to record for one user. */
export interface NewNotification {
  userId: string;
  organizationId?: string | null;
  /** `<category>.<what>`, e.g. `chat.mention`: the prefix picks the preference category that may silence it. */
  type: string;
  title: string;
  body: string;
  data?: Record<string, unknown>;
}

const TITLE_MAX = 200;
const BODY_MAX = 500;

export function toNotificationDto(n: Notification): NotificationDto & NotificationPayload {
  return {
    id: n.id,
    type: n.type,
    organizationId: n.organization?.id ?? null,
    title: n.title,
    body: n.body,
    data: n.data,
    readAt: n.readAt?.toISOString() ?? null,
    createdAt: n.createdAt.toISOString(),
  };
}

/** The preference category of a notification type (its prefix), or undefined when no category governs it. */
function categoryOf(type: string): NotificationCategory | undefined {
  const prefix = type.split('.')[0];
  return (Object.values(NotificationCategory) as string[]).includes(prefix)
    ? (prefix as NotificationCategory)
    : undefined;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * The in-app notification list of each user. Other modules call `notify()` inside their own transaction and
 * `published()` once it committed; the user's clients hear `notification.created` / `notification.read` on the
 * `/notifications` namespace (room `user:<id>`).
 */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly em: EntityManager,
    private readonly notifications: NotificationRepository,
    private readonly realtime: RealtimeService,
  ) {}

  /**
   * Records notifications with the caller's entity manager (inside its transaction), skipping users whose
   * preferences turn the type's category off in-app. Returns what was recorded, for `published()` after commit.
   */
  async notify(em: EntityManager, items: NewNotification[]): Promise<Notification[]> {
    if (items.length === 0) {
      return [];
    }
    const userIds = [...new Set(items.map((i) => i.userId))];
    const rows = await em
      .getConnection()
      .execute<{ id: string; notification_preferences: unknown }[]>(
        'select id, notification_preferences from users where id = any(?::uuid[])',
        [`{${userIds.join(',')}}`],
        'all',
        em.getTransactionContext(),
      );
    const prefs = new Map(rows.map((r) => [r.id, resolvePreferences(r.notification_preferences)]));
    const created: Notification[] = [];
    for (const item of items) {
      const preferences = prefs.get(item.userId);
      const category = categoryOf(item.type);
      if (!preferences || (category && !preferences.categories[category][NotificationChannel.InApp])) {
        continue;
      }
      created.push(
        em.create(Notification, {
          user: item.userId,
          organization: item.organizationId ?? null,
          type: item.type,
          title: clip(item.title, TITLE_MAX),
          body: clip(item.body, BODY_MAX),
          data: item.data ?? {},
        }),
      );
    }
    if (created.length > 0) {
      await em.flush();
    }
    return created;
  }

  /** After the transaction that recorded them committed: `notification.created` to each recipient. */
  published(notifications: Notification[]): void {
    for (const n of notifications) {
      this.realtime.toUser(n.user.id, 'notification.created', toNotificationDto(n));
    }
  }

  /** Which of `userIds` were already notified (type `type`) about the subject whose `data.<key>` is `value`. */
  usersNotifiedAbout(type: string, key: string, value: string, userIds: string[]): Promise<string[]> {
    return this.notifications.usersNotifiedAbout(type, key, value, userIds);
  }

  async list(actor: AuthUser, query: ListNotificationsQueryDto): Promise<NotificationPageDto> {
    const after = query.cursor ? decodeKeysetCursor(query.cursor, invalidCursor) : null;
    const rows = await this.notifications.findPage(
      { userId: actor.id, unreadOnly: query.unread, organizationId: query.organizationId },
      after,
      query.limit,
    );
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toNotificationDto),
      nextCursor: rows.length > query.limit ? encodeKeysetCursor(last.createdAt, last.id) : null,
    };
  }

  async unreadCount(actor: AuthUser, organizationId?: string): Promise<NotificationUnreadCountDto> {
    return { count: await this.notifications.countUnread(actor.id, organizationId) };
  }

  /** Idempotent: marking a read notification again changes nothing and emits nothing. */
  async markRead(actor: AuthUser, id: string): Promise<NotificationDto> {
    const notification = await this.own(actor, id);
    if (!notification.readAt) {
      notification.readAt = new Date();
      await this.em.flush();
      await this.announceRead(actor.id, [notification.id], notification.readAt);
    }
    return toNotificationDto(notification);
  }

  async readAll(actor: AuthUser, dto: ReadAllNotificationsDto): Promise<ReadAllNotificationsResultDto> {
    const upTo = dto.upToId ? await this.own(actor, dto.upToId, 'upToId') : undefined;
    const readAt = new Date();
    const ids = await this.notifications.markAllRead(actor.id, readAt, {
      organizationId: dto.organizationId,
      upTo: upTo ? { at: upTo.createdAt, id: upTo.id } : undefined,
    });
    if (ids.length > 0) {
      await this.announceRead(actor.id, ids, readAt);
    }
    return { updated: ids.length };
  }

  async remove(actor: AuthUser, id: string): Promise<void> {
    const notification = await this.own(actor, id);
    await this.em.remove(notification).flush();
  }

  private async announceRead(userId: string, ids: string[], readAt: Date): Promise<void> {
    const unreadCount = await this.notifications.countUnread(userId);
    this.realtime.toUser(userId, 'notification.read', { ids, readAt: readAt.toISOString(), unreadCount });
  }

  /** The caller's own notification; anyone else's is indistinguishable from a missing one (404). */
  private async own(actor: AuthUser, id: string, field?: string): Promise<Notification> {
    const notification = await this.notifications.findOne({ id, user: actor.id });
    if (!notification) {
      throw new NotificationError(NotificationErrorCode.NotFound, `notification ${id}`, field ? { field } : undefined);
    }
    return notification;
  }
}

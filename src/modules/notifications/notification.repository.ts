import { EntityRepository } from '@mikro-orm/postgresql';
import type { Notification } from './notification.entity';

export interface NotificationFilter {
  userId: string;
  unreadOnly?: boolean;
  organizationId?: string;
}

/** Queries of a user's notification list. Never flushes; the service owns the transaction. */
export class NotificationRepository extends EntityRepository<Notification> {
  /** Newest first, keyset over (created_at desc, id desc); one row more than `limit` tells there is a next page. */
  findPage(filter: NotificationFilter, after: { at: Date; id: string } | null, limit: number): Promise<Notification[]> {
    return this.find(
      {
        user: filter.userId,
        ...(filter.unreadOnly ? { readAt: null } : {}),
        ...(filter.organizationId ? { organization: filter.organizationId } : {}),
        ...(after ? { $or: [{ createdAt: { $lt: after.at } }, { createdAt: after.at, id: { $lt: after.id } }] } : {}),
      },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: limit + 1 },
    );
  }

  countUnread(userId: string, organizationId?: string): Promise<number> {
    return this.count({ user: userId, readAt: null, ...(organizationId ? { organization: organizationId } : {}) });
  }

  /**
   * Marks the user's unread notifications read, optionally only those of one organization and those created up to
   * (and including) a given notification of theirs. Returns the ids it changed.
   */
  async markAllRead(
    userId: string,
    readAt: Date,
    scope: { organizationId?: string; upTo?: { at: Date; id: string } },
  ): Promise<string[]> {
    const bindings: unknown[] = [readAt, userId];
    let extra = '';
    if (scope.organizationId) {
      extra += ' and organization_id = ?';
      bindings.push(scope.organizationId);
    }
    if (scope.upTo) {
      extra += ' and (created_at, id) <= (?, ?)';
      bindings.push(scope.upTo.at, scope.upTo.id);
    }
    const em = this.getEntityManager();
    const rows = await em.getConnection().execute<{ id: string }[]>(
      `update notifications set read_at = ?, updated_at = now()
        where user_id = ? and read_at is null${extra}
        returning id`,
      bindings,
      'all',
      em.getTransactionContext(),
    );
    return rows.map((r) => r.id);
  }

  /** Which of `userIds` already have a notification of `type` whose `data.<key>` is `value` (e.g. one message). */
  async usersNotifiedAbout(type: string, key: string, value: string, userIds: string[]): Promise<string[]> {
    if (userIds.length === 0) {
      return [];
    }
    const em = this.getEntityManager();
    const rows = await em.getConnection().execute<{ user_id: string }[]>(
      `select distinct user_id from notifications
        where type = ? and data ->> ? = ? and user_id = any(?::uuid[])`,
      [type, key, value, `{${userIds.join(',')}}`],
      'all',
      em.getTransactionContext(),
    );
    return rows.map((r) => r.user_id);
  }
}

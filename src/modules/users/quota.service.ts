import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { UserQuota } from './user-quota.entity';
import { UserError, UserErrorCode } from './users.errors';

export interface QuotaUsage {
  key: string;
  limit: number;
  used: number;
  remaining: number;
}

/**
 * Per-user allowances (a guest's imports, messages…). `consume` is one conditional UPDATE, so concurrent requests
 * can never push `used` past `limit`. A user without a row for a key is not limited on it.
 */
@Injectable()
export class QuotaService {
  constructor(private readonly em: EntityManager) {}

  async grant(userId: string, limits: Record<string, number>, em: EntityManager = this.em): Promise<void> {
    for (const [key, limit] of Object.entries(limits)) {
      await em.upsert(
        UserQuota,
        { user: userId, key, limit, used: 0 },
        { onConflictFields: ['user', 'key'], onConflictMergeFields: ['limit'] },
      );
    }
  }

  /**
   * Uses `amount` of `key`, or throws 403 QUOTA_EXCEEDED naming the quota and what is left. Given `em` inside a
   * transaction, the use is part of it (rolled back with it).
   */
  async consume(userId: string, key: string, amount = 1, em: EntityManager = this.em): Promise<void> {
    const updated = await em.execute<{ used: number }[]>(
      'update user_quotas set used = used + ? where user_id = ? and key = ? and used + ? <= "limit" returning used',
      [amount, userId, key, amount],
    );
    if (updated.length > 0) {
      return;
    }
    const [quota] = await em.execute<{ limit: number; used: number }[]>(
      'select "limit", used from user_quotas where user_id = ? and key = ?',
      [userId, key],
    );
    if (!quota) {
      return;
    }
    throw new UserError(
      UserErrorCode.QuotaExceeded,
      `Quota "${key}" exceeded: ${quota.used} of ${quota.limit} used; upgrade to a full account to continue`,
      { quota: key, limit: quota.limit, used: quota.used, requested: amount },
    );
  }

  /** What is left of `key`, or `null` when the user is not limited on it. */
  async remaining(userId: string, key: string, em: EntityManager = this.em): Promise<number | null> {
    const [quota] = await em.execute<{ limit: number; used: number }[]>(
      'select "limit", used from user_quotas where user_id = ? and key = ?',
      [userId, key],
    );
    return quota ? Math.max(0, quota.limit - quota.used) : null;
  }

  /** Gives back `amount` of `key` (work that consumed it was undone), never below zero. */
  async release(userId: string, key: string, amount = 1, em: EntityManager = this.em): Promise<void> {
    await em.execute('update user_quotas set used = greatest(0, used - ?) where user_id = ? and key = ?', [
      amount,
      userId,
      key,
    ]);
  }

  async list(userId: string): Promise<QuotaUsage[]> {
    const rows = await this.em.fork().find(UserQuota, { user: userId }, { orderBy: { key: 'asc' } });
    return rows.map((q) => ({ key: q.key, limit: q.limit, used: q.used, remaining: Math.max(0, q.limit - q.used) }));
  }

  async clear(userId: string, em: EntityManager = this.em): Promise<void> {
    await em.nativeDelete(UserQuota, { user: userId });
  }
}

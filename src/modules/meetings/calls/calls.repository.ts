import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { ACTIVE_CALL_STATUSES, CallDirection, CallStatus } from './call.entity';
import { CallOutcome } from './calls.dto';

/** Which calls of an organization a list or the statistics cover. */
export interface CallScope {
  organizationId: string;
  /** Only calls this user created or takes part in (members, or `mine`); every call of the organization when unset. */
  visibleTo?: string;
  /** On `coalesce(startedAt, scheduledAt)`: from inclusive, to exclusive. */
  from?: Date;
  to?: Date;
}

export interface CallListFilter extends CallScope {
  status?: CallStatus;
  direction?: CallDirection;
  participantId?: string;
  phoneNumber?: string;
  after?: { at: Date; id: string };
  limit: number;
}

/** The statistics row, as PostgreSQL returns it (numbers of `count`, `sum` and `avg` as strings). */
export interface CallStatsRow {
  total: string;
  by_status: Record<string, string> | null;
  by_direction: Record<string, string> | null;
  total_duration: string | null;
  avg_duration: string | null;
  avg_rating: string | null;
  feedback_count: string;
}

export interface CallFeedbackRow {
  rating: number;
  comment: string | null;
  /** As the driver returns timestamptz columns of raw queries: text. */
  updated_at: string;
  replaced: boolean;
}

/** Statuses of a call that is over; durations and ratings are about these. */
export const ENDED_CALL_STATUSES: readonly CallStatus[] = [CallStatus.Completed, CallStatus.Missed, CallStatus.Failed];

/** The SQL of call records: conditional state changes, the list, feedback upserts and statistics. Queries only. */
@Injectable()
export class CallsRepository {
  constructor(private readonly em: EntityManager) {}

  /** Ids of one page (plus one row, to tell whether another follows) of calls, newest first (keyset). */
  async findPageIds(filter: CallListFilter): Promise<string[]> {
    const { where, params } = scopeSql(filter);
    if (filter.status) {
      where.push('c.status = ?');
      params.push(filter.status);
    }
    if (filter.direction) {
      where.push('c.direction = ?');
      params.push(filter.direction);
    }
    if (filter.participantId) {
      where.push('exists (select 1 from call_participants p where p.call_id = c.id and p.user_id = ?)');
      params.push(filter.participantId);
    }
    if (filter.phoneNumber) {
      where.push('c.phone_number = ?');
      params.push(filter.phoneNumber);
    }
    if (filter.after) {
      where.push('(c.created_at, c.id) < (?, ?)');
      params.push(filter.after.at, filter.after.id);
    }
    params.push(filter.limit + 1);
    const rows = await this.em
      .getConnection()
      .execute<{ id: string }[]>(
        `select c.id from calls c where ${where.join(' and ')} order by c.created_at desc, c.id desc limit ?`,
        params,
      );
    return rows.map((r) => r.id);
  }

  /**
   * Ends an active (ringing or in-progress) call with its outcome: `endedAt` now, the duration since it started (0
   * when missed). False when the call was not active.
   */
  async endActive(callId: string, outcome: CallOutcome): Promise<boolean> {
    const updated = await this.em.getConnection().execute<{ id: string }[]>(
      `update calls set status = ?, ended_at = now(), updated_at = now(),
              duration_seconds = case when ? then 0
                                      else greatest(0, floor(extract(epoch from (now() - coalesce(started_at, now())))))::int
                                 end
        where id = ? and status in (?, ?) returning id`,
      [outcome, outcome === CallOutcome.Missed, callId, ...ACTIVE_CALL_STATUSES],
    );
    return updated.length > 0;
  }

  /** A scheduled call becomes ringing (`startedAt` now); false when it was not scheduled (cancelled, started). */
  async startScheduled(callId: string): Promise<boolean> {
    const started = await this.em.getConnection().execute<{ id: string }[]>(
      `update calls set status = ?, started_at = now(), updated_at = now()
          where id = ? and status = ? returning id`,
      [CallStatus.Ringing, callId, CallStatus.Scheduled],
    );
    return started.length > 0;
  }

  /** A member's rating of a call, replacing their earlier one (`replaced`). */
  async upsertFeedback(
    callId: string,
    userId: string,
    rating: number,
    comment: string | null,
  ): Promise<CallFeedbackRow> {
    const [row] = await this.em.getConnection().execute<CallFeedbackRow[]>(
      `insert into call_feedback (id, created_at, updated_at, call_id, user_id, rating, comment)
            values (gen_random_uuid(), now(), now(), ?, ?, ?, ?)
       on conflict (call_id, user_id)
       do update set rating = excluded.rating, comment = excluded.comment, updated_at = now()
       returning rating, comment, updated_at, (xmax <> 0) as replaced`,
      [callId, userId, rating, comment],
    );
    return row;
  }

  /** Counts by status and direction, durations (of ended calls) and ratings of the calls in scope, in one statement. */
  async stats(scope: CallScope): Promise<CallStatsRow> {
    const { where, params } = scopeSql(scope);
    const [row] = await this.em.getConnection().execute<CallStatsRow[]>(
      `with v as (select c.id, c.status, c.direction, c.duration_seconds from calls c where ${where.join(' and ')})
       select (select count(*) from v) as total,
              (select json_object_agg(status, n) from (select status, count(*) as n from v group by status) s)
                as by_status,
              (select json_object_agg(direction, n) from (select direction, count(*) as n from v group by direction) d)
                as by_direction,
              (select sum(duration_seconds) from v where status in (?, ?, ?)) as total_duration,
              (select avg(duration_seconds) from v where status in (?, ?, ?)) as avg_duration,
              (select avg(f.rating) from call_feedback f join v on v.id = f.call_id) as avg_rating,
              (select count(*) from call_feedback f join v on v.id = f.call_id) as feedback_count`,
      [...params, ...ENDED_CALL_STATUSES, ...ENDED_CALL_STATUSES],
    );
    return row;
  }
}

/** The organization and, with `visibleTo`, that user's own calls; the from/to window on start or schedule. */
function scopeSql(scope: CallScope): { where: string[]; params: unknown[] } {
  const where = ['c.organization_id = ?'];
  const params: unknown[] = [scope.organizationId];
  if (scope.visibleTo) {
    where.push(`(c.created_by_id = ? or exists (select 1 from call_participants p
                   where p.call_id = c.id and p.user_id = ?))`);
    params.push(scope.visibleTo, scope.visibleTo);
  }
  if (scope.from) {
    where.push('coalesce(c.started_at, c.scheduled_at) >= ?');
    params.push(scope.from);
  }
  if (scope.to) {
    where.push('coalesce(c.started_at, c.scheduled_at) < ?');
    params.push(scope.to);
  }
  return { where, params };
}

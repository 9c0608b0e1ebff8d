import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { MeetingStatus } from './meeting.entity';

export interface MeetingListFilter {
  organizationId: string;
  /** Only meetings this user hosts or is invited to (members, or `mine`); all of the organization when unset. */
  visibleTo?: string;
  status?: MeetingStatus;
  /** On `scheduledStart`: from inclusive, to exclusive. */
  from?: Date;
  to?: Date;
  hostId?: string;
  after?: { at: Date; id: string };
  limit: number;
}

/** The SQL of meetings: the list page, and closing the participant rows of an ended meeting. Queries only. */
@Injectable()
export class MeetingsRepository {
  constructor(private readonly em: EntityManager) {}

  /** Ids of one page (plus one row, to tell whether another follows) of meetings, newest first (keyset). */
  async findPageIds(filter: MeetingListFilter): Promise<string[]> {
    const where: string[] = ['m.organization_id = ?'];
    const params: unknown[] = [filter.organizationId];
    const visibleSql = `(m.host_id = ? or exists (select 1 from meeting_invitees i
                           where i.meeting_id = m.id and i.user_id = ?))`;
    if (filter.visibleTo) {
      where.push(visibleSql);
      params.push(filter.visibleTo, filter.visibleTo);
    }
    if (filter.status) {
      where.push('m.status = ?');
      params.push(filter.status);
    }
    if (filter.from) {
      where.push('m.scheduled_start >= ?');
      params.push(filter.from);
    }
    if (filter.to) {
      where.push('m.scheduled_start < ?');
      params.push(filter.to);
    }
    if (filter.hostId) {
      where.push('m.host_id = ?');
      params.push(filter.hostId);
    }
    if (filter.after) {
      where.push('(m.created_at, m.id) < (?, ?)');
      params.push(filter.after.at, filter.after.id);
    }
    params.push(filter.limit + 1);
    const rows = await this.em
      .getConnection()
      .execute<{ id: string }[]>(
        `select m.id from meetings m where ${where.join(' and ')} order by m.created_at desc, m.id desc limit ?`,
        params,
      );
    return rows.map((r) => r.id);
  }

  /** In `em`'s transaction: the participant rows still open leave at `endedAt`, with their duration. */
  async closeOpenParticipants(em: EntityManager, meetingId: string, endedAt: Date): Promise<void> {
    await em.getConnection().execute(
      `update meeting_participants set left_at = ?,
              duration_seconds = greatest(0, floor(extract(epoch from (?::timestamptz - joined_at))))::int
        where meeting_id = ? and left_at is null`,
      [endedAt, endedAt, meetingId],
      'run',
      em.getTransactionContext(),
    );
  }
}

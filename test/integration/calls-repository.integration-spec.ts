import { MikroORM } from '@mikro-orm/postgresql';
import { Call, CallDirection, CallParticipant, CallStatus } from 'src/modules/meetings/calls/call.entity';
import { CallOutcome } from 'src/modules/meetings/calls/calls.dto';
import { CallsRepository } from 'src/modules/meetings/calls/calls.repository';
import type { Organization } from 'src/modules/organizations/organization.entity';
import type { User } from 'src/modules/users/user.entity';
import { createTeam } from '../support/db-fixtures';
import { openTestOrm } from '../support/orm';

/** CallsRepository's SQL against the real PostgreSQL that global-setup migrated (no application). */
describe('CallsRepository', () => {
  let orm: MikroORM;

  beforeAll(async () => {
    orm = await openTestOrm();
  });
  afterAll(async () => {
    await orm?.close(true);
  });

  const repo = (): CallsRepository => new CallsRepository(orm.em.fork());

  const team = (size: number): Promise<{ org: Organization; users: User[] }> => createTeam(orm.em.fork(), size);

  /** A call of `org` created by `creator` with these participants (the creator always is one). */
  async function call(
    org: Organization,
    creator: User,
    fields: Partial<Pick<Call, 'status' | 'direction' | 'phoneNumber' | 'startedAt' | 'scheduledAt' | 'createdAt'>>,
    others: User[] = [],
  ): Promise<Call> {
    const em = orm.em.fork();
    const created = em.create(Call, {
      organization: org.id,
      createdBy: creator.id,
      direction: CallDirection.Internal,
      ...fields,
    });
    for (const user of [creator, ...others]) {
      em.create(CallParticipant, { call: created, user: user.id });
    }
    await em.flush();
    return created;
  }

  const at = (day: number): Date => new Date(Date.UTC(2026, 0, day));

  it('pages the calls in scope newest first, with the list filters', async () => {
    const { org, users } = await team(3);
    const [admin, member, other] = users;
    const a = await call(org, admin, { startedAt: at(1), createdAt: at(1) }, [member]);
    const b = await call(
      org,
      other,
      { startedAt: at(2), createdAt: at(2), direction: CallDirection.Outbound, phoneNumber: '+15550100' },
      [],
    );
    const c = await call(org, member, { status: CallStatus.Completed, startedAt: at(3), createdAt: at(3) });
    const d = await call(org, other, { status: CallStatus.Scheduled, scheduledAt: at(4), createdAt: at(4) });
    await call((await team(1)).org, admin, { createdAt: at(5) });

    const all = { organizationId: org.id, limit: 10 };
    expect(await repo().findPageIds(all)).toEqual([d.id, c.id, b.id, a.id]);
    expect(await repo().findPageIds({ ...all, visibleTo: member.id })).toEqual([c.id, a.id]);
    expect(await repo().findPageIds({ ...all, status: CallStatus.Completed })).toEqual([c.id]);
    expect(await repo().findPageIds({ ...all, direction: CallDirection.Outbound })).toEqual([b.id]);
    expect(await repo().findPageIds({ ...all, participantId: member.id })).toEqual([c.id, a.id]);
    expect(await repo().findPageIds({ ...all, phoneNumber: '+15550100' })).toEqual([b.id]);
    expect(await repo().findPageIds({ ...all, from: at(2), to: at(4) })).toEqual([c.id, b.id]);
    expect(await repo().findPageIds({ ...all, from: at(4) })).toEqual([d.id]); // scheduled: on its time
    expect(await repo().findPageIds({ ...all, limit: 1 })).toEqual([d.id, c.id]);
    expect(await repo().findPageIds({ ...all, after: { at: c.createdAt, id: c.id }, limit: 1 })).toEqual([b.id, a.id]);
  });

  it('ends only active calls, with the duration since start (0 when missed)', async () => {
    const { org, users } = await team(1);
    const started = await call(org, users[0], { startedAt: new Date(Date.now() - 90_000) });
    const ringing = await call(org, users[0], { status: CallStatus.Ringing, startedAt: new Date() });
    const scheduled = await call(org, users[0], { status: CallStatus.Scheduled, scheduledAt: at(30) });

    expect(await repo().endActive(started.id, CallOutcome.Completed)).toBe(true);
    const ended = await orm.em.fork().findOneOrFail(Call, started.id);
    expect(ended.status).toBe(CallStatus.Completed);
    expect(ended.endedAt).toBeInstanceOf(Date);
    expect(ended.durationSeconds).toBeGreaterThanOrEqual(89);
    expect(await repo().endActive(started.id, CallOutcome.Failed)).toBe(false);

    expect(await repo().endActive(ringing.id, CallOutcome.Missed)).toBe(true);
    expect(await orm.em.fork().findOneOrFail(Call, ringing.id)).toMatchObject({
      status: CallStatus.Missed,
      durationSeconds: 0,
    });
    expect(await repo().endActive(scheduled.id, CallOutcome.Completed)).toBe(false);
  });

  it('starts a scheduled call once', async () => {
    const { org, users } = await team(1);
    const scheduled = await call(org, users[0], { status: CallStatus.Scheduled, scheduledAt: at(30) });
    const cancelled = await call(org, users[0], { status: CallStatus.Cancelled, scheduledAt: at(30) });

    expect(await repo().startScheduled(scheduled.id)).toBe(true);
    const row = await orm.em.fork().findOneOrFail(Call, scheduled.id);
    expect(row.status).toBe(CallStatus.Ringing);
    expect(row.startedAt).toBeInstanceOf(Date);
    expect(await repo().startScheduled(scheduled.id)).toBe(false);
    expect(await repo().startScheduled(cancelled.id)).toBe(false);
  });

  it('keeps one rating per member and call, telling when it replaced one', async () => {
    const { org, users } = await team(2);
    const ended = await call(org, users[0], { status: CallStatus.Completed }, [users[1]]);

    const first = await repo().upsertFeedback(ended.id, users[0].id, 4, 'fine');
    expect(first).toMatchObject({ rating: 4, comment: 'fine', replaced: false });
    expect(Number.isNaN(new Date(first.updated_at).getTime())).toBe(false);
    expect(await repo().upsertFeedback(ended.id, users[0].id, 2, null)).toMatchObject({
      rating: 2,
      comment: null,
      replaced: true,
    });
    expect(await repo().upsertFeedback(ended.id, users[1].id, 5, null)).toMatchObject({ replaced: false });
    const stats = await repo().stats({ organizationId: org.id });
    expect(stats.feedback_count).toBe('2');
    expect(Number(stats.avg_rating)).toBe(3.5);
  });

  it('computes the statistics of the calls in scope in one statement', async () => {
    const { org, users } = await team(2);
    const [admin, member] = users;
    const empty = await repo().stats({ organizationId: org.id });
    expect(empty).toEqual({
      total: '0',
      by_status: null,
      by_direction: null,
      total_duration: null,
      avg_duration: null,
      avg_rating: null,
      feedback_count: '0',
    });

    const done = await call(org, admin, { startedAt: at(1) }, [member]);
    await orm.em.fork().nativeUpdate(Call, { id: done.id }, { status: CallStatus.Completed, durationSeconds: 60 });
    const missed = await call(org, admin, { startedAt: at(2), direction: CallDirection.Inbound });
    await orm.em.fork().nativeUpdate(Call, { id: missed.id }, { status: CallStatus.Missed, durationSeconds: 0 });
    await call(org, member, { startedAt: at(3) }); // in progress: counted, no duration
    await call(org, admin, { status: CallStatus.Scheduled, scheduledAt: at(10) });
    await repo().upsertFeedback(done.id, member.id, 3, null);

    const all = await repo().stats({ organizationId: org.id });
    expect(all).toMatchObject({
      total: '4',
      by_status: { completed: 1, missed: 1, in_progress: 1, scheduled: 1 },
      by_direction: { internal: 3, inbound: 1 },
      total_duration: '60',
      feedback_count: '1',
    });
    expect(Number(all.avg_duration)).toBe(30);
    expect(Number(all.avg_rating)).toBe(3);

    const mine = await repo().stats({ organizationId: org.id, visibleTo: member.id, from: at(1), to: at(3) });
    expect(mine).toMatchObject({ total: '1', by_status: { completed: 1 }, total_duration: '60' });
  });
});

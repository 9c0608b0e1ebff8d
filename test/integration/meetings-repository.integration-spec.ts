import { MikroORM } from '@mikro-orm/postgresql';
import { Meeting, MeetingInvitee, MeetingParticipant, MeetingStatus } from 'src/modules/meetings/meeting.entity';
import { MeetingsRepository } from 'src/modules/meetings/meetings.repository';
import type { Organization } from 'src/modules/organizations/organization.entity';
import type { User } from 'src/modules/users/user.entity';
import { createTeam } from '../support/db-fixtures';
import { openTestOrm } from '../support/orm';

/** MeetingsRepository's SQL against the real PostgreSQL that global-setup migrated (no application). */
describe('MeetingsRepository', () => {
  let orm: MikroORM;

  beforeAll(async () => {
    orm = await openTestOrm();
  });
  afterAll(async () => {
    await orm?.close(true);
  });

  const repo = (): MeetingsRepository => new MeetingsRepository(orm.em.fork());
  const at = (day: number): Date => new Date(Date.UTC(2026, 0, day));

  const team = (size: number): Promise<{ org: Organization; users: User[] }> => createTeam(orm.em.fork(), size);

  async function meeting(
    org: Organization,
    host: User,
    fields: Partial<Pick<Meeting, 'status' | 'scheduledStart' | 'createdAt'>>,
    invitees: User[] = [],
  ): Promise<Meeting> {
    const em = orm.em.fork();
    const created = em.create(Meeting, { organization: org.id, title: 'm', host: host.id, ...fields });
    for (const user of invitees) {
      em.create(MeetingInvitee, { meeting: created, user: user.id });
    }
    await em.flush();
    return created;
  }

  it('pages the meetings in scope newest first, with the list filters', async () => {
    const { org, users } = await team(3);
    const [host, guest, other] = users;
    const a = await meeting(org, host, { scheduledStart: at(10), createdAt: at(1) }, [guest]);
    const b = await meeting(org, other, { scheduledStart: at(11), createdAt: at(2), status: MeetingStatus.Live });
    const c = await meeting(org, guest, { createdAt: at(3) });
    await meeting((await team(1)).org, host, { createdAt: at(4) });

    const all = { organizationId: org.id, limit: 10 };
    expect(await repo().findPageIds(all)).toEqual([c.id, b.id, a.id]);
    expect(await repo().findPageIds({ ...all, visibleTo: guest.id })).toEqual([c.id, a.id]);
    expect(await repo().findPageIds({ ...all, visibleTo: other.id })).toEqual([b.id]);
    expect(await repo().findPageIds({ ...all, status: MeetingStatus.Live })).toEqual([b.id]);
    expect(await repo().findPageIds({ ...all, from: at(11) })).toEqual([b.id]);
    expect(await repo().findPageIds({ ...all, to: at(11) })).toEqual([a.id]);
    expect(await repo().findPageIds({ ...all, hostId: host.id })).toEqual([a.id]);
    expect(await repo().findPageIds({ ...all, limit: 1 })).toEqual([c.id, b.id]);
    expect(await repo().findPageIds({ ...all, after: { at: c.createdAt, id: c.id }, limit: 1 })).toEqual([b.id, a.id]);
  });

  it('closes the open participant rows of a meeting at its end, in the caller’s transaction', async () => {
    const { org, users } = await team(2);
    const live = await meeting(org, users[0], { status: MeetingStatus.Live });
    const otherMeeting = await meeting(org, users[0], { status: MeetingStatus.Live });
    const em = orm.em.fork();
    const endedAt = new Date('2026-03-01T10:00:00Z');
    const open = em.create(MeetingParticipant, {
      meeting: live.id,
      user: users[0].id,
      joinedAt: new Date('2026-03-01T09:58:30Z'),
    });
    const late = em.create(MeetingParticipant, {
      meeting: live.id,
      guestName: 'Guest',
      joinedAt: new Date('2026-03-01T10:00:05Z'),
    });
    const left = em.create(MeetingParticipant, {
      meeting: live.id,
      user: users[1].id,
      joinedAt: new Date('2026-03-01T09:00:00Z'),
      leftAt: new Date('2026-03-01T09:30:00Z'),
      durationSeconds: 1800,
    });
    const elsewhere = em.create(MeetingParticipant, { meeting: otherMeeting.id, user: users[1].id });
    await em.flush();

    await expect(
      orm.em.fork().transactional(async (trx) => {
        await repo().closeOpenParticipants(trx, live.id, endedAt);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await orm.em.fork().findOneOrFail(MeetingParticipant, open.id)).leftAt).toBeNull();

    await orm.em.fork().transactional((trx) => repo().closeOpenParticipants(trx, live.id, endedAt));
    const read = (id: string) => orm.em.fork().findOneOrFail(MeetingParticipant, id);
    expect(await read(open.id)).toMatchObject({ leftAt: endedAt, durationSeconds: 90 });
    expect(await read(late.id)).toMatchObject({ leftAt: endedAt, durationSeconds: 0 });
    expect(await read(left.id)).toMatchObject({ leftAt: new Date('2026-03-01T09:30:00Z'), durationSeconds: 1800 });
    expect((await read(elsewhere.id)).leftAt).toBeNull();
  });
});

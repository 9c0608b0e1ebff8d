import { MikroORM } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { Notification } from 'src/modules/notifications/notification.entity';
import type { NotificationRepository } from 'src/modules/notifications/notification.repository';
import { Organization } from 'src/modules/organizations/organization.entity';
import { User } from 'src/modules/users/user.entity';
import { openTestOrm } from '../support/orm';

/** The repository's queries against the real PostgreSQL that global-setup migrated (no application). */
describe('NotificationRepository', () => {
  let orm: MikroORM;

  beforeAll(async () => {
    orm = await openTestOrm();
  });
  afterAll(async () => {
    await orm?.close(true);
  });

  const repo = (): NotificationRepository => orm.em.fork().getRepository(Notification);

  /** A user with notifications at the given instants (several may share one), in organizations `orgs[i]`. */
  async function seed(times: Date[], orgs: (string | null)[] = []): Promise<{ userId: string; ids: string[] }> {
    const em = orm.em.fork();
    const unique = randomUUID().slice(0, 8);
    const user = em.create(User, { username: `repo-${unique}`, email: `repo-${unique}@example.com` });
    const notifications = times.map((createdAt, i) =>
      em.create(Notification, {
        user,
        organization: orgs[i] ?? null,
        type: 'chat.mention',
        title: `n${i}`,
        body: '',
        data: { messageId: `m${i}` },
        createdAt,
      }),
    );
    await em.flush();
    return { userId: user.id, ids: notifications.map((n) => n.id) };
  }

  async function org(): Promise<string> {
    const em = orm.em.fork();
    const unique = randomUUID().slice(0, 8);
    const created = em.create(Organization, {
      name: `Repo ${unique}`,
      slug: `repo-${unique}`,
      createdById: randomUUID(),
    });
    await em.flush();
    return created.id;
  }

  it('pages newest first over (created_at, id), also through rows that share a timestamp', async () => {
    const same = new Date('2026-01-01T00:00:00Z');
    const { userId, ids } = await seed([new Date('2025-12-31T00:00:00Z'), same, same, same]);
    const expected = [...ids.slice(1).sort().reverse(), ids[0]];
    const seen: string[] = [];
    let after: { at: Date; id: string } | null = null;
    for (;;) {
      const rows = await repo().findPage({ userId }, after, 2);
      const page = rows.slice(0, 2);
      seen.push(...page.map((n) => n.id));
      if (rows.length <= 2) {
        break;
      }
      after = { at: page[1].createdAt, id: page[1].id };
    }
    expect(seen).toEqual(expected);
  });

  it('marks read only unread rows of the user, within an organization and up to a position', async () => {
    const orgId = await org();
    const times = [1, 2, 3, 4].map((d) => new Date(`2026-02-0${d}T00:00:00Z`));
    const { userId, ids } = await seed(times, [orgId, orgId, null, orgId]);
    const other = await seed([times[0]]);

    const upTo = await repo().markAllRead(userId, new Date(), { upTo: { at: times[1], id: ids[1] } });
    expect(upTo.sort()).toEqual([ids[0], ids[1]].sort());
    expect(await repo().countUnread(userId)).toBe(2);
    expect(await repo().countUnread(userId, orgId)).toBe(1);

    const inOrg = await repo().markAllRead(userId, new Date(), { organizationId: orgId });
    expect(inOrg).toEqual([ids[3]]);
    expect(await repo().markAllRead(userId, new Date(), {})).toEqual([ids[2]]);
    expect(await repo().markAllRead(userId, new Date(), {})).toEqual([]);
    expect(await repo().countUnread(other.userId)).toBe(1);
    expect((await repo().findPage({ userId, unreadOnly: true }, null, 10)).length).toBe(0);
  });

  it('finds the users already notified about one subject', async () => {
    const first = await seed([new Date()]);
    const second = await seed([new Date()]);
    const found = await repo().usersNotifiedAbout('chat.mention', 'messageId', 'm0', [
      first.userId,
      second.userId,
      randomUUID(),
    ]);
    expect(found.sort()).toEqual([first.userId, second.userId].sort());
    expect(await repo().usersNotifiedAbout('chat.mention', 'messageId', 'm9', [first.userId])).toEqual([]);
    expect(await repo().usersNotifiedAbout('other.type', 'messageId', 'm0', [first.userId])).toEqual([]);
    expect(await repo().usersNotifiedAbout('chat.mention', 'messageId', 'm0', [])).toEqual([]);
  });
});

import { MikroORM } from '@mikro-orm/postgresql';
import { StandingCache } from 'src/modules/organizations/standing-cache';
import { createTeam } from '../support/chat-fixtures';
import { call, inOrg, startTestApp, type TestApp } from '../support/test-app';

/**
 * Issue #16: the organization guard reads a member's standing from each node's StandingCache, which PostgreSQL
 * invalidates (triggers + LISTEN/NOTIFY) whatever changes it. Two nodes on one database: a change made through
 * node A, or straight in SQL, holds on node B at its very next request — no waiting, no retry.
 */
describe('organization standing cache (two nodes, invalidated by PostgreSQL)', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    [a, b] = await Promise.all([startTestApp(), startTestApp()]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  const sql = (query: string, params: unknown[]): Promise<unknown> =>
    a.app.get(MikroORM).em.getConnection().execute(query, params);

  it('keeps a read standing, and a member removed through node A is refused by node B at once', async () => {
    const { orgId, users } = await createTeam(a, 2, 'Standing');
    const [owner, member] = users;
    expect((await call(b, 'GET', '/api/v1/organizations/current', inOrg(member, orgId))).status).toBe(200);
    expect(b.app.get(StandingCache).get(orgId, member.id)).toMatchObject({ role: 'member' });

    const removed = await call(a, 'DELETE', `/api/v1/team/members/${member.id}`, inOrg(owner, orgId));
    expect(removed.status).toBe(204);
    const after = await call(b, 'GET', '/api/v1/organizations/current', inOrg(member, orgId));
    expect(after.status).toBe(404);
    expect(after.body.code).toBe('ORG_NOT_FOUND');
    // The owner's standing on node B was not touched.
    expect((await call(b, 'GET', '/api/v1/organizations/current', inOrg(owner, orgId))).status).toBe(200);
  });

  it('applies a role change and an IP allowlist written straight in SQL on the next request', async () => {
    const { orgId, users } = await createTeam(a, 2, 'Standing SQL');
    const [, member] = users;
    expect((await call(b, 'GET', '/api/v1/team/invitations', inOrg(member, orgId))).status).toBe(403);

    await sql(`update memberships set role = 'admin' where organization_id = ? and user_id = ?`, [orgId, member.id]);
    expect((await call(b, 'GET', '/api/v1/team/invitations', inOrg(member, orgId))).status).toBe(200);

    await sql(
      `update organizations set ip_allowlist = '{10.0.0.0/8}', ip_allowlist_applies_to_members = true where id = ?`,
      [orgId],
    );
    const outside = await call(b, 'GET', '/api/v1/organizations/current', inOrg(member, orgId));
    expect(outside.status).toBe(403);
    expect(outside.body.code).toBe('ORG_IP_NOT_ALLOWED');
  });

  it('forgets everything and reads PostgreSQL while its LISTEN connection is down', async () => {
    const { orgId, users } = await createTeam(a, 2, 'Standing down');
    const [, member] = users;
    const cache = b.app.get(StandingCache);
    expect((await call(b, 'GET', '/api/v1/organizations/current', inOrg(member, orgId))).status).toBe(200);
    expect(cache.get(orgId, member.id)).toBeDefined();

    // Cut node B's listening connection from the server side.
    await sql(
      `select pg_terminate_backend(pid) from pg_stat_activity where pid <> pg_backend_pid() and query ilike 'listen org_standing%'`,
      [],
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(cache.get(orgId, member.id)).toBeUndefined();
    await sql(`delete from memberships where organization_id = ? and user_id = ?`, [orgId, member.id]);
    expect((await call(b, 'GET', '/api/v1/organizations/current', inOrg(member, orgId))).status).toBe(404);
  });
});

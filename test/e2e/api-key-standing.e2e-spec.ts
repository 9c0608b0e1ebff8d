import { MikroORM } from '@mikro-orm/postgresql';
import { Role } from 'src/common/auth/auth-user';
import { ApiKey } from 'src/modules/organizations/api-key.entity';
import { Membership, OrgRole } from 'src/modules/organizations/membership.entity';
import { Organization, Plan } from 'src/modules/organizations/organization.entity';
import { User } from 'src/modules/users/user.entity';
import { createTeam } from '../support/chat-fixtures';
import { call, eventually, inOrg, startTestApp, type TestApp, type TestUser } from '../support/test-app';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

type Json = Record<string, any>;

/**
 * Issue #14, finding 1: an API key acts as its creator with the intersection of its scopes and the creator's
 * current role, and dies with the membership or account. Plus the organization's IP allowlist and the per-key
 * rate limit by plan. Every request here comes from 127.0.0.1.
 */
describe('API keys: bound to their creator’s standing, IP allowlist, per-key rate limit', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let sysadminToken: string;
  let hookPaths = 0;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await startTestApp({
      ACCOUNT_DELETION_GRACE: '1500ms',
      WEBHOOK_RETRY_SCHEDULE: '0ms',
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    });
    const [sysadmin] = (await createTeam(t, 1, 'Sysadmin')).users;
    await orm().em.fork().nativeUpdate(User, { id: sysadmin.id }, { role: Role.Admin });
    const login = await t.api.POST('/api/v1/auth/login', {
      body: { login: sysadmin.email, password: sysadmin.password },
    });
    sysadminToken = login.data!.tokens!.accessToken;
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  const orm = (): MikroORM => t.app.get(MikroORM);

  /** A pro organization: `owner`, `admin` (an admin) and `member`, and a webhook endpoint for `api_key.revoked`. */
  async function setUp(): Promise<{
    orgId: string;
    owner: TestUser;
    admin: TestUser;
    member: TestUser;
    hooks: string;
  }> {
    const { orgId, users } = await createTeam(t, 3, 'Keys');
    const [owner, admin, member] = users;
    const em = orm().em.fork();
    await em.nativeUpdate(Organization, { id: orgId }, { plan: Plan.Pro });
    await em.nativeUpdate(Membership, { organization: orgId, user: admin.id }, { role: OrgRole.Admin });
    const hooks = `/revoked-${++hookPaths}`;
    const endpoint = await call(t, 'POST', '/api/v1/webhooks/endpoints', {
      ...inOrg(owner, orgId),
      body: { url: `${receiver.url}${hooks}`, eventTypes: ['api_key.revoked'] },
    });
    expect(endpoint.status).toBe(201);
    return { orgId, owner, admin, member, hooks };
  }

  async function createKey(user: TestUser, orgId: string, scopes: string[]): Promise<{ id: string; key: string }> {
    const created = await call(t, 'POST', '/api/v1/settings/api-keys', {
      ...inOrg(user, orgId),
      body: { name: `key ${scopes.join(' ')}`, scopes },
    });
    expect(created.status).toBe(201);
    return { id: created.body.id as string, key: created.body.key as string };
  }

  const asKey = (key: string, method: string, path: string, body?: unknown) =>
    call(t, method, path, { token: key, ...(body !== undefined ? { body } : {}) });

  async function expectRefused(key: string): Promise<void> {
    const res = await asKey(key, 'GET', '/api/v1/team/members');
    expect([res.status, res.body.code]).toEqual([401, 'AUTH_TOKEN_INVALID']);
    expect(res.body.message).toMatch(/^API key is (no longer valid|invalid, expired or revoked)/);
  }

  const revokedAt = async (id: string): Promise<Date | undefined> =>
    (await orm().em.fork().findOneOrFail(ApiKey, id)).revokedAt;

  /** The `api_key.revoked` webhooks received on `path`, as `{ apiKeyId, reason }`. */
  const revokedHooks = (path: string): Json[] =>
    receiver.received.filter((r) => r.path === path).map((r) => (JSON.parse(r.body) as { data: Json }).data);

  it('reproduction: a demoted admin’s key answers 401 at once and is revoked; removal and the invite-back end there', async () => {
    const { orgId, owner, admin, hooks } = await setUp();
    const endpoints = await call(t, 'GET', '/api/v1/webhooks/endpoints', inOrg(owner, orgId));
    const endpointId = endpoints.body.items[0].id as string;
    const { id, key } = await createKey(admin, orgId, ['members.read', 'members.invite', 'webhooks.manage']);

    // While the admin is an admin, the key reads members' emails and the webhook secret.
    const members = await asKey(key, 'GET', '/api/v1/team/members');
    expect(members.status).toBe(200);
    expect((members.body.items as Json[]).map((m) => m.email as string)).toContain(owner.email);
    const secret = await asKey(key, 'GET', `/api/v1/webhooks/endpoints/${endpointId}/secret`);
    expect([secret.status, secret.body.secret]).toEqual([200, expect.stringMatching(/^whsec_/)]);

    // The runtime check alone: a role that no longer grants the key's scopes refuses it, even unrevoked.
    const em = orm().em.fork();
    await em.nativeUpdate(Membership, { organization: orgId, user: admin.id }, { role: OrgRole.Member });
    await expectRefused(key);
    expect(await revokedAt(id)).toBeNull();
    const secretNow = await asKey(key, 'GET', `/api/v1/webhooks/endpoints/${endpointId}/secret`);
    expect(secretNow.status).toBe(401);
    await em.nativeUpdate(Membership, { organization: orgId, user: admin.id }, { role: OrgRole.Admin });
    expect((await asKey(key, 'GET', '/api/v1/team/members')).status).toBe(200);

    // The owner demotes them through the API: the key is revoked in the same transaction and announced.
    const demoted = await call(t, 'PUT', `/api/v1/team/members/${admin.id}/role`, {
      ...inOrg(owner, orgId),
      body: { role: 'member' },
    });
    expect(demoted.status).toBe(200);
    await expectRefused(key);
    expect(await revokedAt(id)).toBeInstanceOf(Date);
    await eventually(() => (revokedHooks(hooks).length > 0 ? true : undefined), 10_000, 'api_key.revoked');
    expect(revokedHooks(hooks)).toEqual([{ apiKeyId: id, reason: 'creator_role_changed' }]);

    // Even re-promoted, a revoked key stays dead: nothing brings it back.
    await call(t, 'PUT', `/api/v1/team/members/${admin.id}/role`, { ...inOrg(owner, orgId), body: { role: 'admin' } });
    await expectRefused(key);

    // A second key, then removal: 401 and revoked, and it cannot invite its creator back.
    const second = await createKey(admin, orgId, ['members.invite']);
    expect((await call(t, 'DELETE', `/api/v1/team/members/${admin.id}`, inOrg(owner, orgId))).status).toBe(204);
    const inviteBack = await asKey(second.key, 'POST', '/api/v1/team/invite', { email: admin.email, role: 'admin' });
    expect([inviteBack.status, inviteBack.body.code]).toEqual([401, 'AUTH_TOKEN_INVALID']);
    expect(await revokedAt(second.id)).toBeInstanceOf(Date);
    await eventually(() => (revokedHooks(hooks).length > 1 ? true : undefined), 10_000, 'second api_key.revoked');
    expect(revokedHooks(hooks)[1]).toEqual({ apiKeyId: second.id, reason: 'creator_removed' });
  });

  it('acts with the creator’s current role: a key of a demoted admin no longer sees a private meeting', async () => {
    const { orgId, owner, admin } = await setUp();
    const meeting = await call(t, 'POST', '/api/v1/video/meetings', {
      ...inOrg(owner, orgId),
      body: { title: 'Board' },
    });
    expect(meeting.status).toBe(201);
    // Scopes a member holds too, so this key survives the demotion.
    const { id, key } = await createKey(admin, orgId, ['meetings.use', 'members.read']);
    expect((await asKey(key, 'GET', `/api/v1/video/meetings/${meeting.body.id}`)).status).toBe(200);

    await call(t, 'PUT', `/api/v1/team/members/${admin.id}/role`, { ...inOrg(owner, orgId), body: { role: 'member' } });
    expect(await revokedAt(id)).toBeNull();
    const hidden = await asKey(key, 'GET', `/api/v1/video/meetings/${meeting.body.id}`);
    expect(hidden.status).toBe(404);
    const listed = await asKey(key, 'GET', '/api/v1/video/meetings');
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).not.toContain(meeting.body.id as string);
    // The key's own scope list never outranks the role: beyond its scopes it is 403 as before.
    const invite = await asKey(key, 'POST', '/api/v1/team/invite', { email: 'x@example.com', role: 'member' });
    expect([invite.status, invite.body.code]).toEqual([403, 'ORG_PERMISSION_DENIED']);
  });

  it('refuses the key while its creator is disabled, accepts it again once re-enabled, and revokes it on deletion', async () => {
    const { orgId, admin, hooks } = await setUp();
    const { id, key } = await createKey(admin, orgId, ['members.read']);
    expect((await asKey(key, 'GET', '/api/v1/team/members')).status).toBe(200);

    const disabled = await call(t, 'POST', `/api/v1/admin/users/${admin.id}/disable`, { token: sysadminToken });
    expect(disabled.status).toBe(200);
    await expectRefused(key);
    expect(await revokedAt(id)).toBeNull();
    expect((await call(t, 'POST', `/api/v1/admin/users/${admin.id}/enable`, { token: sysadminToken })).status).toBe(
      200,
    );
    expect((await asKey(key, 'GET', '/api/v1/team/members')).status).toBe(200);

    // A system admin deletes the account: the key is revoked with it.
    expect((await call(t, 'DELETE', `/api/v1/admin/users/${admin.id}`, { token: sysadminToken })).status).toBe(204);
    await expectRefused(key);
    expect(await revokedAt(id)).toBeInstanceOf(Date);
    await eventually(() => (revokedHooks(hooks).length > 0 ? true : undefined), 10_000, 'api_key.revoked');
    expect(revokedHooks(hooks)).toEqual([{ apiKeyId: id, reason: 'creator_deleted' }]);
  });

  it('revokes the keys of a user who deletes their own account (refused already during the grace period)', async () => {
    const { orgId, admin, hooks } = await setUp();
    const { id, key } = await createKey(admin, orgId, ['members.read']);
    const leaving = await call(t, 'DELETE', '/api/v1/settings/account', {
      token: admin.accessToken,
      body: { password: admin.password },
    });
    expect(leaving.status).toBe(202);
    await expectRefused(key);
    await eventually(
      async () => ((await orm().em.fork().findOne(User, admin.id)) === null ? true : undefined),
      15_000,
      'the account to be deleted',
    );
    expect(await revokedAt(id)).toBeInstanceOf(Date);
    await eventually(() => (revokedHooks(hooks).length > 0 ? true : undefined), 10_000, 'api_key.revoked');
    expect(revokedHooks(hooks)).toEqual([{ apiKeyId: id, reason: 'creator_deleted' }]);
  });

  it('enforces the organization’s IP allowlist on API keys and, when asked, on members', async () => {
    const { orgId, owner, admin, member } = await setUp();
    const { key } = await createKey(owner, orgId, ['members.read', 'org.update']);
    const put = (user: TestUser, body: Json) =>
      call(t, 'PUT', '/api/v1/settings/security', { ...inOrg(user, orgId), body });

    const initial = await call(t, 'GET', '/api/v1/settings/security', inOrg(admin, orgId));
    expect(initial.body).toEqual({ ipAllowlist: [], applyToMembers: false });
    const bad = await put(owner, { ipAllowlist: ['10.0.0.0/33'], applyToMembers: false });
    expect([bad.status, bad.body.code, bad.body.details[0].field]).toEqual([400, 'VALIDATION_FAILED', 'ipAllowlist']);
    expect((await put(member, { ipAllowlist: [], applyToMembers: false })).status).toBe(403);
    const byKey = await asKey(key, 'PUT', '/api/v1/settings/security', { ipAllowlist: [], applyToMembers: false });
    expect([byKey.status, byKey.body.code]).toEqual([403, 'ORG_API_KEY_NOT_ALLOWED']);

    // Only 10.0.0.0/8: the key (from 127.0.0.1) is refused; people are not, since the list is for keys only.
    const elsewhere = await put(admin, { ipAllowlist: ['10.0.0.0/8', '2001:DB8::/32'], applyToMembers: false });
    expect([elsewhere.status, elsewhere.body]).toEqual([
      200,
      { ipAllowlist: ['10.0.0.0/8', '2001:db8::/32'], applyToMembers: false },
    ]);
    const refused = await asKey(key, 'GET', '/api/v1/team/members');
    expect([refused.status, refused.body.code]).toEqual([403, 'ORG_IP_NOT_ALLOWED']);
    expect((await call(t, 'GET', '/api/v1/team/members', inOrg(member, orgId))).status).toBe(200);

    // 127.0.0.1/32: the key works again.
    expect((await put(owner, { ipAllowlist: ['127.0.0.1/32'], applyToMembers: false })).status).toBe(200);
    expect((await asKey(key, 'GET', '/api/v1/team/members')).status).toBe(200);

    // Applied to members, a list must let the caller in; with 127.0.0.1 on it, members pass.
    const lockout = await put(owner, { ipAllowlist: ['10.0.0.0/8'], applyToMembers: true });
    expect([lockout.status, lockout.body.code]).toEqual([409, 'ORG_IP_ALLOWLIST_EXCLUDES_YOU']);
    expect((await put(owner, { ipAllowlist: ['127.0.0.1', '10.0.0.0/8'], applyToMembers: true })).status).toBe(200);
    expect((await call(t, 'GET', '/api/v1/team/members', inOrg(member, orgId))).status).toBe(200);

    // Members' addresses changed (set behind the API's back): members are refused, owners still reach the list.
    await orm()
      .em.fork()
      .nativeUpdate(Organization, { id: orgId }, { ipAllowlist: ['10.0.0.0/8'] });
    const memberRefused = await call(t, 'GET', '/api/v1/team/members', inOrg(member, orgId));
    expect([memberRefused.status, memberRefused.body.code]).toEqual([403, 'ORG_IP_NOT_ALLOWED']);
    expect((await call(t, 'GET', '/api/v1/settings/security', inOrg(admin, orgId))).status).toBe(403);
    expect((await call(t, 'GET', '/api/v1/settings/security', inOrg(owner, orgId))).status).toBe(200);
    expect((await put(owner, { ipAllowlist: [], applyToMembers: false })).status).toBe(200);
    expect((await call(t, 'GET', '/api/v1/team/members', inOrg(member, orgId))).status).toBe(200);
  });

  it('gives each key its own per-minute budget by plan, shared by every node (429 with Retry-After)', async () => {
    const { orgId, owner } = await setUp();
    const { key } = await createKey(owner, orgId, ['org.read']);
    const { key: otherKey } = await createKey(owner, orgId, ['org.read']);
    // Keys made on pro keep working after a downgrade; the free plan's budget is 60 requests a minute.
    await orm().em.fork().nativeUpdate(Organization, { id: orgId }, { plan: Plan.Free });
    const second = await startTestApp();
    try {
      // Stay inside one minute window.
      const intoMinute = (Date.now() / 1000) % 60;
      if (intoMinute > 45) {
        await new Promise((resolve) => setTimeout(resolve, (61 - intoMinute) * 1000));
      }
      const first = await asKey(key, 'GET', '/api/v1/organizations/current');
      expect(first.status).toBe(200);
      expect(first.headers.get('x-ratelimit-limit-api-key')).toBe('60');
      expect(first.headers.get('x-ratelimit-remaining-api-key')).toBe('59');
      for (let i = 2; i <= 60; i++) {
        const node = i % 2 === 0 ? second : t;
        const res = await call(node, 'GET', '/api/v1/organizations/current', { token: key });
        expect(res.status).toBe(200);
      }
      const limited = await call(second, 'GET', '/api/v1/organizations/current', { token: key });
      expect([limited.status, limited.body.code]).toEqual([429, 'ORG_API_KEY_RATE_LIMITED']);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(limited.headers.get('x-ratelimit-remaining-api-key')).toBe('0');
      expect((await asKey(key, 'GET', '/api/v1/organizations/current')).status).toBe(429);
      // Another key of the same organization has its own budget; the owner's own session is not limited by it.
      expect((await asKey(otherKey, 'GET', '/api/v1/organizations/current')).status).toBe(200);
      expect((await call(t, 'GET', '/api/v1/organizations/current', inOrg(owner, orgId))).status).toBe(200);
    } finally {
      await second.close();
    }
  });
});

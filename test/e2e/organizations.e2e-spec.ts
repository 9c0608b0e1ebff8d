import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import { Organization, Plan } from 'src/modules/organizations/organization.entity';
import { tokenFromOutbox } from '../support/outbox';
import { ProbeModule } from '../support/probe.module';
import { call, inOrg, registerUser, startTestApp, type TestApp, type TestUser } from '../support/test-app';

const INVITE = /Invitation token: (\S+)/;

describe('organizations: tenancy, members, roles, invitations', () => {
  const outbox = mkdtempSync(join(tmpdir(), 'switchboard-orgs-'));
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ MAIL_OUTBOX_DIR: outbox }, [ProbeModule]);
  });
  afterAll(() => t.close());

  async function createOrg(owner: TestUser, name: string): Promise<string> {
    const res = await call(t, 'POST', '/api/v1/organizations', { token: owner.accessToken, body: { name } });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  /** Invites `invitee` into `orgId` as `role` and accepts the mailed token. */
  async function joinOrg(owner: TestUser, orgId: string, invitee: TestUser, role: string): Promise<void> {
    const invited = await call(t, 'POST', '/api/v1/team/invite', {
      ...inOrg(owner, orgId),
      body: { email: invitee.email, role },
    });
    expect(invited.status).toBe(201);
    const token = await tokenFromOutbox(outbox, invitee.email, INVITE);
    const accepted = await call(t, 'POST', `/api/v1/team/invitations/${token}/accept`, { token: invitee.accessToken });
    expect(accepted.body).toMatchObject({ id: orgId, role });
  }

  it('creates an organization with its creator as owner and scopes requests by X-Organization-Id', async () => {
    const owner = await registerUser(t);
    const orgId = await createOrg(owner, 'Acme Rockets');
    const mine = await call(t, 'GET', '/api/v1/organizations', { token: owner.accessToken });
    expect(mine.body).toEqual([
      expect.objectContaining({ id: orgId, name: 'Acme Rockets', slug: 'acme-rockets', role: 'owner', plan: 'free' }),
    ]);
    const second = await call(t, 'POST', '/api/v1/organizations', {
      token: owner.accessToken,
      body: { name: 'Acme Rockets' },
    });
    expect(second.body.slug).toMatch(/^acme-rockets-[0-9a-f]{6}$/);

    const current = await call(t, 'GET', '/api/v1/organizations/current', inOrg(owner, orgId));
    expect(current.body).toMatchObject({ id: orgId, role: 'owner' });
    const missing = await call(t, 'GET', '/api/v1/organizations/current', { token: owner.accessToken });
    expect([missing.status, missing.body.code]).toEqual([400, 'ORG_HEADER_MISSING']);
    const renamed = await call(t, 'PATCH', '/api/v1/organizations/current', {
      ...inOrg(owner, orgId),
      body: { name: 'Acme Space' },
    });
    expect([renamed.status, renamed.body]).toMatchObject([200, { name: 'Acme Space' }]);

    const matrix = await call(t, 'GET', '/api/v1/team/permissions', { token: owner.accessToken });
    expect(matrix.body.find((r: { role: string }) => r.role === 'member').permissions).toEqual([
      'org.read',
      'members.read',
      'mail.use',
      'chat.use',
      'meetings.use',
    ]);
  });

  it('invites by email: single-use token, only for the invited address, pending list, resend and revoke', async () => {
    const owner = await registerUser(t);
    const orgId = await createOrg(owner, 'Invite Co');
    const invitee = await registerUser(t);
    const stranger = await registerUser(t);

    const invited = await call(t, 'POST', '/api/v1/team/invite', {
      ...inOrg(owner, orgId),
      body: { email: invitee.email, role: 'member' },
    });
    const first = await tokenFromOutbox(outbox, invitee.email, INVITE);
    const resent = await call(t, 'POST', `/api/v1/team/invitations/${invited.body.id}/resend`, inOrg(owner, orgId));
    expect(resent.status).toBe(200);
    let token = first;
    for (let i = 0; i < 50 && token === first; i++) {
      token = await tokenFromOutbox(outbox, invitee.email, INVITE);
    }
    expect(token).not.toBe(first);
    const stale = await call(t, 'POST', `/api/v1/team/invitations/${first}/accept`, { token: invitee.accessToken });
    expect([stale.status, stale.body.code]).toEqual([400, 'ORG_INVITATION_INVALID']);

    const pending = await call(t, 'GET', '/api/v1/team/invitations', inOrg(owner, orgId));
    expect(pending.body).toEqual([expect.objectContaining({ email: invitee.email, role: 'member' })]);
    const wrongPerson = await call(t, 'POST', `/api/v1/team/invitations/${token}/accept`, {
      token: stranger.accessToken,
    });
    expect([wrongPerson.status, wrongPerson.body.code]).toEqual([403, 'ORG_INVITATION_EMAIL_MISMATCH']);
    const accepted = await call(t, 'POST', `/api/v1/team/invitations/${token}/accept`, { token: invitee.accessToken });
    expect(accepted.body).toMatchObject({ id: orgId, role: 'member' });
    const twice = await call(t, 'POST', `/api/v1/team/invitations/${token}/accept`, { token: invitee.accessToken });
    expect(twice.status).toBe(400);
    expect((await call(t, 'GET', '/api/v1/team/invitations', inOrg(owner, orgId))).body).toEqual([]);

    const members = await call(t, 'GET', '/api/v1/team/members', inOrg(owner, orgId));
    expect(members.body.total).toBe(2);
    const again = await call(t, 'POST', '/api/v1/team/invite', {
      ...inOrg(owner, orgId),
      body: { email: invitee.email, role: 'member' },
    });
    expect([again.status, again.body.code]).toEqual([409, 'ORG_ALREADY_MEMBER']);

    const other = await call(t, 'POST', '/api/v1/team/invite', {
      ...inOrg(owner, orgId),
      body: { email: 'someone@example.com', role: 'admin' },
    });
    expect((await call(t, 'DELETE', `/api/v1/team/invitations/${other.body.id}`, inOrg(owner, orgId))).status).toBe(
      204,
    );
    expect((await call(t, 'GET', '/api/v1/team/invitations', inOrg(owner, orgId))).body).toEqual([]);
  });

  it('gives members of org A a 404 for every org-B object, and members no admin actions (403)', async () => {
    const ownerA = await registerUser(t);
    const ownerB = await registerUser(t);
    const memberA = await registerUser(t);
    const memberB = await registerUser(t);
    const orgA = await createOrg(ownerA, 'Org A');
    const orgB = await createOrg(ownerB, 'Org B');
    await joinOrg(ownerA, orgA, memberA, 'member');
    await joinOrg(ownerB, orgB, memberB, 'member');
    const inviteB = await call(t, 'POST', '/api/v1/team/invite', {
      ...inOrg(ownerB, orgB),
      body: { email: 'pending-b@example.com', role: 'member' },
    });

    // Acting in B without belonging to it: the organization does not exist for them.
    for (const [method, path] of [
      ['GET', '/api/v1/organizations/current'],
      ['GET', '/api/v1/team/members'],
      ['GET', '/api/v1/team/invitations'],
      ['PUT', `/api/v1/team/members/${memberB.id}/role`],
      ['DELETE', `/api/v1/team/members/${memberB.id}`],
      ['DELETE', `/api/v1/team/invitations/${inviteB.body.id}`],
    ] as const) {
      const res = await call(t, method, path, {
        ...inOrg(ownerA, orgB),
        body: method === 'PUT' ? { role: 'admin' } : undefined,
      });
      expect([method, path, res.status, res.body.code]).toEqual([method, path, 404, 'ORG_NOT_FOUND']);
    }
    // Acting in A on B's ids: not found in A.
    const foreignMember = await call(t, 'PUT', `/api/v1/team/members/${memberB.id}/role`, {
      ...inOrg(ownerA, orgA),
      body: { role: 'admin' },
    });
    expect([foreignMember.status, foreignMember.body.code]).toEqual([404, 'ORG_MEMBER_NOT_FOUND']);
    const foreignInvite = await call(t, 'DELETE', `/api/v1/team/invitations/${inviteB.body.id}`, inOrg(ownerA, orgA));
    expect([foreignInvite.status, foreignInvite.body.code]).toEqual([404, 'ORG_INVITATION_NOT_FOUND']);

    for (const [method, path, body] of [
      ['POST', '/api/v1/team/invite', { email: 'x@example.com', role: 'member' }],
      ['PUT', `/api/v1/team/members/${ownerA.id}/role`, { role: 'member' }],
      ['DELETE', `/api/v1/team/members/${ownerA.id}`, undefined],
      ['PATCH', '/api/v1/organizations/current', { name: 'Hijacked' }],
    ] as const) {
      const res = await call(t, method, path, { ...inOrg(memberA, orgA), body });
      expect([path, res.status, res.body.code]).toEqual([path, 403, 'ORG_PERMISSION_DENIED']);
    }
    expect((await call(t, 'GET', '/api/v1/team/members', inOrg(memberA, orgA))).status).toBe(200);
  });

  it('keeps the last owner, and ranks: admins cannot make owners or touch owners', async () => {
    const owner = await registerUser(t);
    const admin = await registerUser(t);
    const member = await registerUser(t);
    const orgId = await createOrg(owner, 'Rank Co');
    await joinOrg(owner, orgId, admin, 'admin');
    await joinOrg(admin, orgId, member, 'member');

    const leave = await call(t, 'POST', '/api/v1/team/leave', inOrg(owner, orgId));
    expect([leave.status, leave.body.code]).toEqual([409, 'ORG_LAST_OWNER']);
    const demote = await call(t, 'PUT', `/api/v1/team/members/${owner.id}/role`, {
      ...inOrg(owner, orgId),
      body: { role: 'admin' },
    });
    expect([demote.status, demote.body.code]).toEqual([409, 'ORG_LAST_OWNER']);

    const promoteByAdmin = await call(t, 'PUT', `/api/v1/team/members/${member.id}/role`, {
      ...inOrg(admin, orgId),
      body: { role: 'owner' },
    });
    expect([promoteByAdmin.status, promoteByAdmin.body.code]).toEqual([403, 'ORG_ROLE_RANK']);
    const touchOwner = await call(t, 'DELETE', `/api/v1/team/members/${owner.id}`, inOrg(admin, orgId));
    expect([touchOwner.status, touchOwner.body.code]).toEqual([403, 'ORG_ROLE_RANK']);
    const inviteOwner = await call(t, 'POST', '/api/v1/team/invite', {
      ...inOrg(admin, orgId),
      body: { email: 'boss@example.com', role: 'owner' },
    });
    expect([inviteOwner.status, inviteOwner.body.code]).toEqual([403, 'ORG_ROLE_RANK']);

    // Two owners demoting each other at once: the organization keeps at least one owner.
    await call(t, 'PUT', `/api/v1/team/members/${admin.id}/role`, { ...inOrg(owner, orgId), body: { role: 'owner' } });
    const race = await Promise.all([
      call(t, 'PUT', `/api/v1/team/members/${admin.id}/role`, { ...inOrg(owner, orgId), body: { role: 'member' } }),
      call(t, 'PUT', `/api/v1/team/members/${owner.id}/role`, { ...inOrg(admin, orgId), body: { role: 'member' } }),
    ]);
    // One wins. The other is refused either as the last owner (it ran alongside) or, when it started after the
    // winner committed, because its caller is no longer an owner — both keep one owner.
    expect(race.filter((r) => r.status === 200)).toHaveLength(1);
    const loser = race.find((r) => r.status !== 200)!;
    expect([
      [409, 'ORG_LAST_OWNER'],
      [403, 'ORG_ROLE_RANK'],
    ]).toContainEqual([loser.status, loser.body.code]);
    const members = await call(t, 'GET', '/api/v1/team/members', inOrg(member, orgId));
    expect(members.body.items.filter((m: { role: string }) => m.role === 'owner')).toHaveLength(1);

    const removed = await call(
      t,
      'DELETE',
      `/api/v1/team/members/${member.id}`,
      inOrg(owner.id === race[0].body?.userId ? admin : owner, orgId),
    );
    expect([200, 204, 403, 404]).toContain(removed.status);
  });

  it('holds plan quotas under 20 parallel requests, gates features, and reports usage', async () => {
    const owner = await registerUser(t);
    const orgId = await createOrg(owner, 'Quota Co');
    const invitees = await Promise.all(Array.from({ length: 20 }, () => registerUser(t)));
    for (const invitee of invitees) {
      const res = await call(t, 'POST', '/api/v1/team/invite', {
        ...inOrg(owner, orgId),
        body: { email: invitee.email, role: 'member' },
      });
      expect(res.status).toBe(201);
    }
    const tokens = await Promise.all(invitees.map((invitee) => tokenFromOutbox(outbox, invitee.email, INVITE)));
    const accepts = await Promise.all(
      invitees.map((invitee, i) =>
        call(t, 'POST', `/api/v1/team/invitations/${tokens[i]}/accept`, { token: invitee.accessToken }),
      ),
    );
    // Free plan: 5 members, the owner included.
    expect(accepts.filter((r) => r.status === 200)).toHaveLength(4);
    const refused = accepts.filter((r) => r.status === 403);
    expect(refused).toHaveLength(16);
    expect(refused[0].body).toMatchObject({
      code: 'ORG_QUOTA_EXCEEDED',
      details: { quota: 'members', limit: 5, plan: 'free' },
    });
    expect(refused[0].body.message).toContain('members');

    const sends = await Promise.all(
      Array.from({ length: 20 }, () => call(t, 'POST', '/api/v1/test-probe/org/consume-sends', inOrg(owner, orgId))),
    );
    expect(sends.filter((r) => r.status === 200)).toHaveLength(10);
    expect(sends.find((r) => r.status === 403)?.body.details).toMatchObject({
      quota: 'campaign_sends_per_month',
      limit: 1000,
    });

    const gated = await call(t, 'POST', '/api/v1/test-probe/org/campaign-send', inOrg(owner, orgId));
    expect([gated.status, gated.body.code]).toEqual([403, 'ORG_FEATURE_NOT_IN_PLAN']);

    const usage = await call(t, 'GET', '/api/v1/settings/usage-quotas', inOrg(owner, orgId));
    expect(usage.body).toMatchObject({ plan: 'free', features: ['meetings'] });
    expect(usage.body.quotas).toEqual(
      expect.arrayContaining([
        { key: 'members', limit: 5, used: 5, period: 'total' },
        { key: 'campaign_sends_per_month', limit: 1000, used: 1000, period: new Date().toISOString().slice(0, 7) },
      ]),
    );
  });

  it('bootstraps a client with ETag, answers 304 while nothing changed, and a new ETag after a change', async () => {
    const owner = await registerUser(t);
    const orgId = await createOrg(owner, 'Boot Co');
    const first = await call(t, 'GET', '/api/v1/bootstrap', { token: owner.accessToken });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      user: { id: owner.id },
      organizations: [{ id: orgId, role: 'owner', plan: 'free', features: ['meetings'] }],
    });
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"/);
    const cached = await call(t, 'GET', '/api/v1/bootstrap', {
      token: owner.accessToken,
      headers: { 'if-none-match': etag },
    });
    expect([cached.status, cached.body]).toEqual([304, undefined]);

    await call(t, 'PATCH', '/api/v1/organizations/current', { ...inOrg(owner, orgId), body: { name: 'Boot Company' } });
    const changed = await call(t, 'GET', '/api/v1/bootstrap', {
      token: owner.accessToken,
      headers: { 'if-none-match': etag },
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it('authenticates API keys as their organization, within their scopes, and stops them at once when revoked', async () => {
    const owner = await registerUser(t);
    const member = await registerUser(t);
    const orgId = await createOrg(owner, 'Key Co');
    const otherOrg = await createOrg(owner, 'Other Key Co');
    await joinOrg(owner, orgId, member, 'member');

    const tooMuch = await call(t, 'POST', '/api/v1/settings/api-keys', {
      ...inOrg(member, orgId),
      body: { name: 'mine', scopes: ['members.read'] },
    });
    expect([tooMuch.status, tooMuch.body.code]).toEqual([403, 'ORG_PERMISSION_DENIED']);
    // API keys come with the pro plan.
    const gated = await call(t, 'POST', '/api/v1/settings/api-keys', {
      ...inOrg(owner, orgId),
      body: { name: 'early', scopes: ['org.read'] },
    });
    expect([gated.status, gated.body.code, gated.body.details]).toEqual([
      403,
      'ORG_FEATURE_NOT_IN_PLAN',
      expect.objectContaining({ feature: 'api_keys', plan: 'free' }),
    ]);
    await t.app.get(MikroORM).em.fork().nativeUpdate(Organization, { id: orgId }, { plan: Plan.Pro });
    const badScope = await call(t, 'POST', '/api/v1/settings/api-keys', {
      ...inOrg(owner, orgId),
      body: { name: 'bad', scopes: ['everything'] },
    });
    expect([badScope.status, badScope.body.details[0].field]).toEqual([400, 'scopes']);

    const created = await call(t, 'POST', '/api/v1/settings/api-keys', {
      ...inOrg(owner, orgId),
      body: { name: 'reporting', scopes: ['members.read', 'org.read'] },
    });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    expect(key).toMatch(/^sbk_[a-z0-9]{12}_/);
    expect(key.startsWith(created.body.prefix as string)).toBe(true);

    const members = await call(t, 'GET', '/api/v1/team/members', { token: key });
    expect([members.status, members.body.total]).toEqual([200, 2]);
    const current = await call(t, 'GET', '/api/v1/organizations/current', {
      token: key,
      headers: { 'x-organization-id': orgId },
    });
    expect(current.body.id).toBe(orgId);
    const elsewhere = await call(t, 'GET', '/api/v1/team/members', {
      token: key,
      headers: { 'x-organization-id': otherOrg },
    });
    expect([elsewhere.status, elsewhere.body.code]).toEqual([404, 'ORG_NOT_FOUND']);
    const outOfScope = await call(t, 'POST', '/api/v1/team/invite', {
      token: key,
      body: { email: 'k@example.com', role: 'member' },
    });
    expect([outOfScope.status, outOfScope.body.code]).toEqual([403, 'ORG_PERMISSION_DENIED']);
    const notOrgRoute = await call(t, 'GET', '/api/v1/auth/me', { token: key });
    expect([notOrgRoute.status, notOrgRoute.body.code]).toEqual([403, 'ORG_API_KEY_NOT_ALLOWED']);
    const forged = await call(t, 'GET', '/api/v1/team/members', { token: `${key.slice(0, -4)}AAAA` });
    expect([forged.status, forged.body.code]).toEqual([401, 'AUTH_TOKEN_INVALID']);

    const listed = await call(t, 'GET', '/api/v1/settings/api-keys', inOrg(owner, orgId));
    expect(listed.body).toEqual([
      expect.objectContaining({ id: created.body.id, name: 'reporting', prefix: created.body.prefix }),
    ]);
    expect(listed.body[0].lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed.body)).not.toContain(key);

    expect((await call(t, 'DELETE', `/api/v1/settings/api-keys/${created.body.id}`, inOrg(owner, orgId))).status).toBe(
      204,
    );
    const revoked = await call(t, 'GET', '/api/v1/team/members', { token: key });
    expect([revoked.status, revoked.body.code]).toEqual([401, 'AUTH_TOKEN_INVALID']);
    const foreign = await call(t, 'DELETE', `/api/v1/settings/api-keys/${created.body.id}`, inOrg(owner, otherOrg));
    expect([foreign.status, foreign.body.code]).toEqual([404, 'ORG_API_KEY_NOT_FOUND']);
  });
});

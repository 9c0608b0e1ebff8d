import { MikroORM } from '@mikro-orm/postgresql';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { authenticator } from 'otplib';
import { DOMAINS } from 'src/domains';
import { Organization, Plan } from 'src/modules/organizations/organization.entity';
import { AuditEvent } from 'src/modules/users/audit-event.entity';
import { User } from 'src/modules/users/user.entity';
import { tokenFromOutbox } from '../support/outbox';
import { call, eventually, registerUser, startTestApp, type TestApp, type TestUser } from '../support/test-app';

const INVITE = /Invitation token: (\S+)/;

describe('user settings: profile, notifications, data export, account deletion', () => {
  const outbox = mkdtempSync(join(tmpdir(), 'switchboard-settings-'));
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ MAIL_OUTBOX_DIR: outbox, ACCOUNT_DELETION_GRACE: '1500ms' });
  });
  afterAll(() => t.close());

  const as = (user: TestUser, extra: { body?: unknown; headers?: Record<string, string> } = {}) => ({
    token: user.accessToken,
    ...extra,
  });

  async function createOrg(owner: TestUser, name: string): Promise<string> {
    const res = await call(t, 'POST', '/api/v1/organizations', as(owner, { body: { name } }));
    return res.body.id as string;
  }

  async function join_(owner: TestUser, orgId: string, invitee: TestUser): Promise<void> {
    await call(t, 'POST', '/api/v1/team/invite', {
      ...as(owner, { headers: { 'x-organization-id': orgId } }),
      body: { email: invitee.email, role: 'member' },
    });
    const token = await tokenFromOutbox(outbox, invitee.email, INVITE);
    const accepted = await call(t, 'POST', `/api/v1/team/invitations/${token}/accept`, as(invitee));
    expect(accepted.status).toBe(200);
  }

  it('keeps a profile (time zone, language) and notification preferences merged over defaults', async () => {
    const user = await registerUser(t);
    const profile = await user.api.GET('/api/v1/settings/profile');
    expect(profile.data).toMatchObject({ id: user.id, timeZone: 'UTC', locale: 'en', deletionDueAt: null });
    const updated = await user.api.PATCH('/api/v1/settings/profile', {
      body: { timeZone: 'Europe/Paris', locale: 'pt-BR', displayName: 'Ana' },
    });
    expect(updated.data).toMatchObject({ timeZone: 'Europe/Paris', locale: 'pt-BR', displayName: 'Ana' });
    const bad = await call(t, 'PATCH', '/api/v1/settings/profile', as(user, { body: { timeZone: 'Mars/Olympus' } }));
    expect([bad.status, bad.body.details[0].field]).toEqual([400, 'timeZone']);

    const defaults = await user.api.GET('/api/v1/settings/notifications');
    expect(defaults.data).toMatchObject({
      digest: 'off',
      categories: { security: { email: true, inApp: true }, mail: { email: false, inApp: true } },
    });
    const changed = await user.api.PATCH('/api/v1/settings/notifications', {
      body: { categories: { mail: { email: true }, chat: { inApp: false } }, digest: 'weekly' },
    });
    expect(changed.data).toMatchObject({
      digest: 'weekly',
      categories: { mail: { email: true, inApp: true }, chat: { email: false, inApp: false } },
    });
    const again = await user.api.GET('/api/v1/settings/notifications');
    expect(again.data).toEqual(changed.data);
    const security = await call(
      t,
      'PATCH',
      '/api/v1/settings/notifications',
      as(user, { body: { categories: { security: { email: false } } } }),
    );
    expect([security.status, security.body.code, security.body.details.field]).toEqual([
      400,
      'SETTINGS_SECURITY_EMAIL_REQUIRED',
      'categories.security.email',
    ]);
    const invalid = await call(
      t,
      'PATCH',
      '/api/v1/settings/notifications',
      as(user, { body: { categories: { chat: { email: 'yes' } }, digest: 'hourly' } }),
    );
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(invalid.body.details)).toContain('categories.chat.email');
    expect(JSON.stringify(invalid.body.details)).toContain('digest');
  });

  it("exports the user's data as a gzipped JSON archive, mailed when ready and private to its owner", async () => {
    const user = await registerUser(t);
    const stranger = await registerUser(t);
    const orgId = await createOrg(user, 'Export Co');
    await t.app.get(MikroORM).em.fork().nativeUpdate(Organization, { id: orgId }, { plan: Plan.Pro });
    await call(t, 'POST', '/api/v1/settings/api-keys', {
      ...as(user, { headers: { 'x-organization-id': orgId } }),
      body: { name: 'ci', scopes: ['org.read'] },
    });

    // Data in other domains: a chat message and a meeting, which the export must carry too.
    const inOrg = { 'x-organization-id': orgId };
    const colleague = await registerUser(t);
    await join_(user, orgId, colleague);
    const conversation = await call(t, 'POST', '/api/v1/chat/conversations', {
      ...as(user, { headers: inOrg }),
      body: { type: 'group', title: 'Notes', memberIds: [colleague.id] },
    });
    expect(conversation.status).toBe(201);
    const message = await call(t, 'POST', `/api/v1/chat/conversations/${conversation.body.id as string}/messages`, {
      ...as(user, { headers: inOrg }),
      body: { body: 'remember the milk' },
    });
    expect(message.status).toBe(201);
    const meeting = await call(t, 'POST', '/api/v1/video/meetings', {
      ...as(user, { headers: inOrg }),
      body: { title: 'Retro', scheduledStart: '2030-01-10T10:00:00.000Z', scheduledEnd: '2030-01-10T11:00:00.000Z' },
    });
    expect(meeting.status).toBe(201);

    const requested = await user.api.POST('/api/v1/settings/export-data');
    expect(requested.response.status).toBe(202);
    expect(requested.data).toMatchObject({ status: 'pending', downloadUrl: null });
    const id = requested.data!.id;
    const ready = await eventually(async () => {
      const res = await user.api.GET('/api/v1/settings/export-data/{id}', { params: { path: { id } } });
      return res.data?.status === 'ready' ? res.data : undefined;
    });
    expect(ready.downloadUrl).toBe(`/api/v1/settings/export-data/${id}/download`);

    const download = await fetch(`${t.baseUrl}${ready.downloadUrl}`, {
      headers: { authorization: `Bearer ${user.accessToken}` },
    });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/gzip');
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="switchboard-export-/);
    const gz = Buffer.from(await download.arrayBuffer());
    expect(gz.length).toBe(ready.sizeBytes);
    expect(createHash('sha256').update(gz).digest('hex')).toBe(ready.sha256);
    const text = gunzipSync(gz).toString('utf8');
    const archive = JSON.parse(text) as {
      format: string;
      profile: { email: string };
      sections: Record<string, Record<string, unknown>[]>;
    };
    expect(archive.format).toBe('switchboard-export/1');
    expect(archive.profile.email).toBe(user.email);
    expect(archive.sections.organizations).toEqual([expect.objectContaining({ name: 'Export Co', role: 'owner' })]);
    expect(archive.sections.sessions.length).toBeGreaterThanOrEqual(1);
    expect(archive.sections.securityEvents.map((e) => e.type)).toContain('user.registered');
    expect(archive.sections.apiKeysCreated).toEqual([
      expect.objectContaining({ name: 'ci', prefix: expect.stringMatching(/^sbk_/) as unknown }),
    ]);
    // Every domain contributes the sections its definition declares, and only those.
    const declared = DOMAINS.flatMap((d) =>
      'exportSections' in d.personalData ? Object.keys(d.personalData.exportSections) : [],
    );
    expect(Object.keys(archive.sections).sort()).toEqual([...declared].sort());
    expect(archive.sections.conversations).toEqual([expect.objectContaining({ title: 'Notes', role: 'admin' })]);
    expect(archive.sections.chatMessages).toEqual([expect.objectContaining({ body: 'remember the milk' })]);
    expect(archive.sections.meetings).toEqual([expect.objectContaining({ title: 'Retro', host: true })]);
    expect(archive.sections.systemMails.length).toBeGreaterThanOrEqual(1);
    expect(text).not.toMatch(/secretHash|passwordHash|secret_hash|PasswordSealed/);
    await tokenFromOutbox(outbox, user.email, /(data export is ready)/);

    for (const path of [`/api/v1/settings/export-data/${id}`, `/api/v1/settings/export-data/${id}/download`]) {
      const res = await call(t, 'GET', path, as(stranger));
      expect([res.status, res.body.code]).toEqual([404, 'SETTINGS_EXPORT_NOT_FOUND']);
    }
    const list = await user.api.GET('/api/v1/settings/export-data');
    expect(list.data?.map((e) => e.id)).toEqual([id]);
  });

  it('deletes an account after the grace period, with the password and a second factor, unless cancelled', async () => {
    const owner = await registerUser(t);
    const leaver = await registerUser(t);
    const careful = await registerUser(t);
    const shared = await createOrg(owner, 'Shared Co');
    await join_(owner, shared, leaver);
    const solo = await createOrg(leaver, 'Solo Co');

    // The only owner of an organization with other members must hand it over first.
    const blocked = await call(
      t,
      'DELETE',
      '/api/v1/settings/account',
      as(owner, { body: { password: owner.password } }),
    );
    expect([blocked.status, blocked.body.code]).toEqual([409, 'SETTINGS_LAST_OWNER']);
    expect(blocked.body.details.organizations).toEqual([{ id: shared, name: 'Shared Co' }]);

    // With 2FA on, the password alone is not enough; a cancelled deletion never happens.
    const enrolled = await careful.api.POST('/api/v1/auth/2fa/enroll');
    const confirmed = await careful.api.POST('/api/v1/auth/2fa/confirm', {
      body: { code: authenticator.generate(enrolled.data!.secret) },
    });
    const noCode = await call(
      t,
      'DELETE',
      '/api/v1/settings/account',
      as(careful, { body: { password: careful.password } }),
    );
    expect([noCode.status, noCode.body.code]).toEqual([403, 'AUTH_2FA_REQUIRED']);
    const wrong = await call(
      t,
      'DELETE',
      '/api/v1/settings/account',
      as(careful, { body: { password: 'not-the-password', code: confirmed.data!.recoveryCodes[0] } }),
    );
    expect([wrong.status, wrong.body.code]).toEqual([401, 'AUTH_INVALID_CREDENTIALS']);
    const scheduled = await call(
      t,
      'DELETE',
      '/api/v1/settings/account',
      as(careful, { body: { password: careful.password, code: confirmed.data!.recoveryCodes[1] } }),
    );
    expect(scheduled.status).toBe(202);
    expect(Date.parse(scheduled.body.deletionDueAt)).toBeGreaterThan(Date.now());
    const cancelled = await call(t, 'POST', '/api/v1/settings/account/cancel-deletion', as(careful));
    expect(cancelled.status).toBe(204);

    // The leaver: other sessions end at once; after the grace period the account and its solo org are gone.
    const otherSession = await t.api.POST('/api/v1/auth/login', {
      body: { login: leaver.email, password: leaver.password },
    });
    const otherToken = otherSession.data!.tokens!.accessToken;
    const leaving = await call(
      t,
      'DELETE',
      '/api/v1/settings/account',
      as(leaver, { body: { password: leaver.password } }),
    );
    expect(leaving.status).toBe(202);
    expect((await call(t, 'GET', '/api/v1/auth/me', { token: otherToken })).status).toBe(401);
    const pending = await call(t, 'GET', '/api/v1/settings/profile', as(leaver));
    expect(pending.body.deletionDueAt).toBe(leaving.body.deletionDueAt);

    // Sessions end first, then the row goes: wait for the row, not only for the 401.
    await eventually(
      async () => ((await t.app.get(MikroORM).em.fork().findOne(User, leaver.id)) === null ? true : undefined),
      15_000,
      'the account to be deleted',
    );
    expect((await call(t, 'GET', '/api/v1/auth/me', as(leaver))).status).toBe(401);
    const gone = await call(t, 'POST', '/api/v1/auth/login', {
      body: { login: leaver.email, password: leaver.password },
    });
    expect([gone.status, gone.body.code]).toEqual([401, 'AUTH_INVALID_CREDENTIALS']);
    const em = t.app.get(MikroORM).em.fork();
    expect(await em.findOne(Organization, solo)).toBeNull();
    const members = await call(
      t,
      'GET',
      '/api/v1/team/members',
      as(owner, { headers: { 'x-organization-id': shared } }),
    );
    expect(members.body.items.map((m: { userId: string }) => m.userId)).toEqual([owner.id]);
    const trail = await em.find(AuditEvent, { subjectId: leaver.id });
    expect(trail.map((e) => e.type)).toEqual(expect.arrayContaining(['user.registered', 'settings.account_deleted']));
    expect(trail.filter((e) => e.ip || e.userAgent)).toEqual([]);
    await tokenFromOutbox(outbox, leaver.email, /(were deleted as you asked)/);

    // The cancelled one is still here, well past its would-be deletion.
    const stillHere = await call(t, 'POST', '/api/v1/auth/login', {
      body: { login: careful.email, password: careful.password },
    });
    expect(stillHere.status).toBe(200);
  });
});

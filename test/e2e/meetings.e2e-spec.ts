import { MikroORM } from '@mikro-orm/postgresql';
import type { Socket } from 'socket.io-client';
import { createSwitchboardClient, type SwitchboardClient } from '../../client';
import { Organization, Plan } from 'src/modules/organizations/organization.entity';
import { MeetingTokensService } from 'src/modules/meetings/meeting-tokens.service';
import { MeetingsService } from 'src/modules/meetings/meetings.service';
import { connectSocket, createTeam } from '../support/chat-fixtures';
import { call, eventually, inOrg, startTestApp, type TestApp, type TestUser } from '../support/test-app';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

type Json = Record<string, any>;

describe('meetings: resources, lifecycle, join and guest tokens, events', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let orgId: string;
  let otherOrgId: string;
  /** alice owns the organization; bob hosts; carol is invited; dan is a member who is not. */
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dan: TestUser;
  let outsider: TestUser;
  const sockets: Socket[] = [];

  const org = (id = orgId) => ({ header: { 'X-Organization-Id': id } });
  const api = (user: TestUser): SwitchboardClient => createSwitchboardClient(t.baseUrl, { token: user.accessToken });

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await startTestApp({ WEBHOOK_RETRY_SCHEDULE: '0ms', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
    const team = await createTeam(t, 4, 'Meet');
    orgId = team.orgId;
    [alice, bob, carol, dan] = team.users;
    const other = await createTeam(t, 1, 'Elsewhere');
    otherOrgId = other.orgId;
    outsider = other.users[0];
  });
  afterAll(async () => {
    for (const socket of sockets) {
      socket.disconnect();
    }
    await t?.close();
    await receiver?.close();
  });

  async function create(host: TestUser, body: Json): Promise<Json> {
    const res = await call(t, 'POST', '/api/v1/video/meetings', { ...inOrg(host, orgId), body });
    expect(res.status).toBe(201);
    return res.body as Json;
  }

  it('creates a meeting with defaults and invitees, validating settings and invitees', async () => {
    const { data, response } = await api(bob).POST('/api/v1/video/meetings', {
      params: org(),
      body: {
        title: '  Planning  ',
        scheduledStart: '2030-01-10T10:00:00.000Z',
        scheduledEnd: '2030-01-10T11:00:00.000Z',
        invitees: { userIds: [carol.id], emails: ['Guest@Example.com'] },
      },
    });
    expect(response.status).toBe(201);
    expect(data).toMatchObject({
      title: 'Planning',
      hostId: bob.id,
      organizationId: orgId,
      status: 'scheduled',
      scheduledStart: '2030-01-10T10:00:00.000Z',
      settings: { waitingRoom: false, maxParticipants: 50, recordingAllowed: false, guestsAllowed: false },
      startedAt: null,
      endedAt: null,
    });
    expect(data!.invitees).toEqual(
      expect.arrayContaining([
        { userId: carol.id, email: null },
        { userId: null, email: 'guest@example.com' },
      ]),
    );

    const tooMany = await call(t, 'POST', '/api/v1/video/meetings', {
      ...inOrg(bob, orgId),
      body: { title: 'x', settings: { maxParticipants: 501 } },
    });
    expect(tooMany.status).toBe(400);
    expect(JSON.stringify(tooMany.body)).toContain('maxParticipants');

    const stranger = await call(t, 'POST', '/api/v1/video/meetings', {
      ...inOrg(bob, orgId),
      body: { title: 'x', invitees: { userIds: [outsider.id] } },
    });
    expect(stranger.status).toBe(400);
    expect(stranger.body).toMatchObject({ code: 'MEETING_INVALID_INVITEE', details: { field: 'invitees.userIds' } });

    const backwards = await call(t, 'POST', '/api/v1/video/meetings', {
      ...inOrg(bob, orgId),
      body: { title: 'x', scheduledStart: '2030-01-10T10:00:00Z', scheduledEnd: '2030-01-10T09:00:00Z' },
    });
    expect(backwards.status).toBe(400);
    expect(backwards.body).toMatchObject({ code: 'MEETING_INVALID_SCHEDULE', details: { field: 'scheduledEnd' } });
  });

  it('shows a meeting to its host, invitees and org admins; 404 to other members and other organizations', async () => {
    const meeting = await create(bob, { title: 'Visible', invitees: { userIds: [carol.id] } });
    for (const user of [bob, carol, alice]) {
      const { response } = await api(user).GET('/api/v1/video/meetings/{id}', {
        params: { ...org(), path: { id: meeting.id as string } },
      });
      expect(response.status).toBe(200);
    }
    const hidden = await api(dan).GET('/api/v1/video/meetings/{id}', {
      params: { ...org(), path: { id: meeting.id as string } },
    });
    expect(hidden.response.status).toBe(404);
    const fromOtherOrg = await api(outsider).GET('/api/v1/video/meetings/{id}', {
      params: { ...org(otherOrgId), path: { id: meeting.id as string } },
    });
    expect(fromOtherOrg.response.status).toBe(404);
    const notMember = await api(outsider).GET('/api/v1/video/meetings/{id}', {
      params: { ...org(), path: { id: meeting.id as string } },
    });
    expect(notMember.response.status).toBe(404);
  });

  it('lists with filters (status, from/to, hostId, mine) and pages with a keyset cursor', async () => {
    const team = await createTeam(t, 3, 'List');
    const [owner, host, guest] = team.users;
    const make = async (user: TestUser, title: string, start: string | null, invite: string[] = []) => {
      const res = await call(t, 'POST', '/api/v1/video/meetings', {
        ...inOrg(user, team.orgId),
        body: { title, ...(start ? { scheduledStart: start } : {}), invitees: { userIds: invite } },
      });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    const m1 = await make(host, 'm1', '2030-02-01T10:00:00Z', [guest.id]);
    const m2 = await make(host, 'm2', '2030-03-01T10:00:00Z');
    const m3 = await make(host, 'm3', null, [guest.id]);
    const m4 = await make(owner, 'm4', '2030-02-15T10:00:00Z');
    const started = await call(t, 'POST', `/api/v1/video/meetings/${m3}/start`, inOrg(host, team.orgId));
    expect(started.status).toBe(200);

    const list = async (user: TestUser, query: Json): Promise<Json> => {
      const { data, response } = await api(user).GET('/api/v1/video/meetings', {
        params: { header: { 'X-Organization-Id': team.orgId }, query },
      });
      expect(response.status).toBe(200);
      return data as Json;
    };
    const ids = (page: Json) => (page.items as Json[]).map((m) => m.id as string);

    expect(ids(await list(owner, {}))).toEqual([m4, m3, m2, m1]);
    expect(ids(await list(host, {}))).toEqual([m3, m2, m1]);
    expect(ids(await list(guest, {}))).toEqual([m3, m1]);
    expect(ids(await list(owner, { mine: true }))).toEqual([m4]);
    expect(ids(await list(owner, { status: 'live' }))).toEqual([m3]);
    expect(ids(await list(owner, { hostId: owner.id }))).toEqual([m4]);
    expect(ids(await list(owner, { from: '2030-02-01T00:00:00Z', to: '2030-03-01T00:00:00Z' }))).toEqual([m4, m1]);

    const first = await list(owner, { limit: 3 });
    expect(ids(first)).toEqual([m4, m3, m2]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await list(owner, { limit: 3, cursor: first.nextCursor as string });
    expect(ids(second)).toEqual([m1]);
    expect(second.nextCursor).toBeNull();

    const bad = await call(t, 'GET', '/api/v1/video/meetings?cursor=nope', inOrg(owner, team.orgId));
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'MEETING_INVALID_CURSOR', details: { field: 'cursor' } });
  });

  it('lets only the host update; start → live, stop → ended (participants closed), then 409 on update', async () => {
    const meeting = await create(bob, { title: 'Lifecycle', invitees: { userIds: [carol.id] } });
    const id = meeting.id as string;
    const path = `/api/v1/video/meetings/${id}`;

    const byInvitee = await call(t, 'PATCH', path, { ...inOrg(carol, orgId), body: { title: 'mine now' } });
    expect(byInvitee.status).toBe(403);
    expect(byInvitee.body.code).toBe('MEETING_HOST_REQUIRED');
    const byStranger = await call(t, 'PATCH', path, { ...inOrg(dan, orgId), body: { title: 'mine now' } });
    expect(byStranger.status).toBe(404);

    const { data: updated } = await api(bob).PATCH('/api/v1/video/meetings/{id}', {
      params: { ...org(), path: { id } },
      body: { title: 'Lifecycle 2', settings: { maxParticipants: 5 }, invitees: { userIds: [carol.id, dan.id] } },
    });
    expect(updated).toMatchObject({ title: 'Lifecycle 2', settings: { maxParticipants: 5, guestsAllowed: false } });
    expect(updated!.invitees).toHaveLength(2);

    const notStarted = await call(t, 'POST', `${path}/stop`, inOrg(bob, orgId));
    expect(notStarted.status).toBe(409);
    expect(notStarted.body.code).toBe('MEETING_INVALID_STATE');
    const startByInvitee = await call(t, 'POST', `${path}/start`, inOrg(carol, orgId));
    expect(startByInvitee.status).toBe(403);

    const { data: live } = await api(bob).POST('/api/v1/video/meetings/{id}/start', {
      params: { ...org(), path: { id } },
    });
    expect(live).toMatchObject({ status: 'live', startedAt: expect.any(String) });
    const again = await call(t, 'POST', `${path}/start`, inOrg(bob, orgId));
    expect(again.status).toBe(409);
    const cancelLive = await call(t, 'DELETE', path, inOrg(bob, orgId));
    expect(cancelLive.status).toBe(409);

    // What the signalling will do when someone joins.
    await t.app.get(MeetingsService).recordJoin(id, { userId: carol.id });
    await t.app.get(MeetingsService).recordJoin(id, { guestName: 'Visitor' });

    const { data: ended } = await api(bob).POST('/api/v1/video/meetings/{id}/stop', {
      params: { ...org(), path: { id } },
    });
    expect(ended).toMatchObject({ status: 'ended', endedAt: expect.any(String) });

    const { data: participants } = await api(carol).GET('/api/v1/video/meetings/{id}/participants', {
      params: { ...org(), path: { id } },
    });
    expect(participants!.items).toHaveLength(2);
    for (const p of participants!.items) {
      expect(p.leftAt).toBe(ended!.endedAt);
      expect(p.durationSeconds).toEqual(expect.any(Number));
    }
    expect(participants!.items.map((p) => p.userId ?? p.guestName)).toEqual([carol.id, 'Visitor']);

    const late = await call(t, 'PATCH', path, { ...inOrg(bob, orgId), body: { title: 'too late' } });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('MEETING_INVALID_STATE');
  });

  it('cancels a scheduled meeting (host only), which then takes no changes and no tokens', async () => {
    const meeting = await create(bob, { title: 'Cancel me', settings: { guestsAllowed: true } });
    const path = `/api/v1/video/meetings/${meeting.id as string}`;
    expect((await call(t, 'DELETE', path, inOrg(alice, orgId))).status).toBe(403);
    expect((await call(t, 'DELETE', path, inOrg(bob, orgId))).status).toBe(204);
    const got = await call(t, 'GET', path, inOrg(bob, orgId));
    expect(got.body.status).toBe('cancelled');
    expect((await call(t, 'DELETE', path, inOrg(bob, orgId))).status).toBe(409);
    expect((await call(t, 'PATCH', path, { ...inOrg(bob, orgId), body: { title: 'x' } })).status).toBe(409);
    const token = await call(t, 'POST', `${path}/join-token`, inOrg(bob, orgId));
    expect(token.status).toBe(409);
    expect(token.body.code).toBe('MEETING_NOT_JOINABLE');
    const guest = await call(t, 'POST', `${path}/guest-token`, { body: { name: 'Late' } });
    expect(guest.status).toBe(409);
    expect(guest.body.code).toBe('MEETING_NOT_JOINABLE');
  });

  it('issues join tokens scoped to one meeting that the API refuses as access tokens', async () => {
    const meeting = await create(bob, { title: 'Join', invitees: { userIds: [carol.id] } });
    const id = meeting.id as string;
    const tokens = t.app.get(MeetingTokensService);

    const { data, response } = await api(carol).POST('/api/v1/video/meetings/{id}/join-token', {
      params: { ...org(), path: { id } },
    });
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ meetingId: id, role: 'participant', token: expect.any(String) });
    const ttl = new Date(data!.expiresAt).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(250_000);
    expect(ttl).toBeLessThanOrEqual(300_000);
    expect(await tokens.verify(data!.token)).toMatchObject({
      aud: 'meeting',
      sub: carol.id,
      mid: id,
      role: 'participant',
    });

    const host = await call(t, 'POST', `/api/v1/video/meetings/${id}/join-token`, inOrg(bob, orgId));
    expect((await tokens.verify(host.body.token as string)).role).toBe('host');
    expect((await call(t, 'POST', `/api/v1/video/meetings/${id}/join-token`, inOrg(dan, orgId))).status).toBe(404);

    const asApiToken = await call(t, 'GET', '/api/v1/video/meetings', {
      token: data!.token,
      headers: { 'x-organization-id': orgId },
    });
    expect(asApiToken.status).toBe(401);
    const notifications = await call(t, 'GET', '/api/v1/notifications', { token: data!.token });
    expect(notifications.status).toBe(401);
  });

  it('gives guests a token without auth only when the host allows guests; 400 names `name`', async () => {
    const closed = await create(bob, { title: 'Members only' });
    const open = await create(bob, { title: 'Open house', settings: { guestsAllowed: true } });

    const refused = await call(t, 'POST', `/api/v1/video/meetings/${closed.id as string}/guest-token`, {
      body: { name: 'Visitor' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('MEETING_GUESTS_NOT_ALLOWED');

    const unauthenticated = createSwitchboardClient(t.baseUrl);
    const { data, response } = await unauthenticated.POST('/api/v1/video/meetings/{id}/guest-token', {
      params: { path: { id: open.id as string } },
      body: { name: '  Visitor  ' },
    });
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ meetingId: open.id, role: 'guest' });
    const claims = await t.app.get(MeetingTokensService).verify(data!.token);
    expect(claims).toMatchObject({ aud: 'meeting', mid: open.id, role: 'guest', name: 'Visitor' });
    expect(claims.sub).toMatch(/^guest:/);

    const noName = await call(t, 'POST', `/api/v1/video/meetings/${open.id as string}/guest-token`, { body: {} });
    expect(noName.status).toBe(400);
    expect((noName.body.details as Json[]).map((d) => d.field as string)).toContain('name');

    const missing = await call(t, 'POST', `/api/v1/video/meetings/${crypto.randomUUID()}/guest-token`, {
      body: { name: 'x' },
    });
    expect(missing.status).toBe(404);
  });

  it('sends meeting.started / meeting.ended to the invitees’ sockets and as webhooks after commit', async () => {
    const hookPath = '/meetings-hooks';
    await t.app.get(MikroORM).em.fork().nativeUpdate(Organization, { id: orgId }, { plan: Plan.Pro });
    const endpoint = await call(t, 'POST', '/api/v1/webhooks/endpoints', {
      ...inOrg(alice, orgId),
      body: { url: `${receiver.url}${hookPath}`, eventTypes: ['meeting.started', 'meeting.ended'] },
    });
    expect(endpoint.status).toBe(201);

    const socket = await connectSocket(t, carol, '/notifications');
    sockets.push(socket);
    const seen: { event: string; payload: Json }[] = [];
    for (const event of ['meeting.started', 'meeting.ended']) {
      socket.on(event, (payload: Json) => seen.push({ event, payload }));
    }
    const danSocket = await connectSocket(t, dan, '/notifications');
    sockets.push(danSocket);
    const danSeen: string[] = [];
    danSocket.on('meeting.started', () => danSeen.push('meeting.started'));

    const meeting = await create(bob, { title: 'Standup', invitees: { userIds: [carol.id] } });
    const id = meeting.id as string;
    const started = await call(t, 'POST', `/api/v1/video/meetings/${id}/start`, inOrg(bob, orgId));
    expect(started.status).toBe(200);

    const onSocket = await eventually(() => seen.find((s) => s.event === 'meeting.started'), 10_000, 'meeting.started');
    expect(onSocket.payload).toEqual({
      meetingId: id,
      organizationId: orgId,
      title: 'Standup',
      hostId: bob.id,
      startedAt: started.body.startedAt,
    });

    const hook = await eventually(
      () =>
        receiver.received.find((r) => r.path === hookPath && (JSON.parse(r.body) as Json).type === 'meeting.started'),
      15_000,
      'meeting.started webhook',
    );
    expect((JSON.parse(hook.body) as Json).data).toEqual({
      meetingId: id,
      title: 'Standup',
      hostId: bob.id,
      inviteeIds: [carol.id],
      startedAt: started.body.startedAt,
    });

    const stopped = await call(t, 'POST', `/api/v1/video/meetings/${id}/stop`, inOrg(bob, orgId));
    expect(stopped.status).toBe(200);
    const ended = await eventually(() => seen.find((s) => s.event === 'meeting.ended'), 10_000, 'meeting.ended');
    expect(ended.payload).toMatchObject({ meetingId: id, endedAt: stopped.body.endedAt });
    await eventually(
      () => receiver.received.find((r) => r.path === hookPath && (JSON.parse(r.body) as Json).type === 'meeting.ended'),
      15_000,
      'meeting.ended webhook',
    );
    expect(danSeen).toEqual([]);
  });

  it('rate-limits guest tokens per IP under the auth limit (429 with Retry-After)', async () => {
    const open = await create(bob, { title: 'Busy', settings: { guestsAllowed: true } });
    const limited = await startTestApp({ AUTH_RATE_LIMIT_MAX: '2' });
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 4; i++) {
        const res = await call(limited, 'POST', `/api/v1/video/meetings/${open.id as string}/guest-token`, {
          body: { name: `Guest ${i}` },
        });
        statuses.push(res.status);
        retryAfter = res.headers.get('retry-after') ?? retryAfter;
      }
      expect(statuses).toContain(429);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
      expect(Number(retryAfter)).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});

import { MikroORM } from '@mikro-orm/postgresql';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type { Socket } from 'socket.io-client';
import { createSwitchboardClient, type SwitchboardClient } from '../../client';
import { Call } from 'src/modules/meetings/calls/call.entity';
import { CallsService } from 'src/modules/meetings/calls/calls.service';
import { Organization, Plan } from 'src/modules/organizations/organization.entity';
import { CALLS_QUEUE } from 'src/modules/meetings/calls/calls.jobs';
import { connectSocket, createTeam } from '../support/chat-fixtures';
import { call, eventually, inOrg, startTestApp, type TestApp, type TestUser } from '../support/test-app';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

type Json = Record<string, any>;

const DAY = 86_400_000;
/** Midnight UTC `days` from now: a time within the one-year scheduling horizon. */
const daysAhead = (days: number): string => new Date(Math.floor(Date.now() / DAY + days) * DAY).toISOString();

const fields = (body: Json): string[] => ((body.details ?? []) as Json[]).map((d) => d.field as string);

describe('calls: records, end, feedback, stats, scheduled and bulk calls', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let orgId: string;
  let otherOrgId: string;
  /** alice owns the organization; bob calls; carol takes part; dan is a member who does not. */
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dan: TestUser;
  let outsider: TestUser;
  const sockets: Socket[] = [];

  const org = (id = orgId) => ({ header: { 'X-Organization-Id': id } });
  const api = (user: TestUser): SwitchboardClient => createSwitchboardClient(t.baseUrl, { token: user.accessToken });
  const callsQueue = (): Queue => t.app.get<Queue>(getQueueToken(CALLS_QUEUE));
  const countCalls = (organization = orgId): Promise<number> =>
    t.app.get(MikroORM).em.fork().count(Call, { organization });

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await startTestApp({ WEBHOOK_RETRY_SCHEDULE: '0ms', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
    const team = await createTeam(t, 4, 'Calls');
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

  async function create(user: TestUser, body: Json, organization = orgId): Promise<Json> {
    const res = await call(t, 'POST', '/api/v1/video/calls', { ...inOrg(user, organization), body });
    expect(res.status).toBe(201);
    return res.body as Json;
  }

  it('creates a call in progress, validating the number, the direction and the participants (400 names the field)', async () => {
    const { data, response } = await api(bob).POST('/api/v1/video/calls', {
      params: org(),
      body: { direction: 'outbound', phoneNumber: '+4930123456', participantIds: [carol.id], subject: 'Renewal' },
    });
    expect(response.status).toBe(201);
    expect(data).toMatchObject({
      organizationId: orgId,
      createdById: bob.id,
      direction: 'outbound',
      status: 'in_progress',
      phoneNumber: '+4930123456',
      participantIds: [bob.id, carol.id],
      subject: 'Renewal',
      endedAt: null,
      durationSeconds: null,
      transcript: null,
      recordingUrl: null,
      meetingId: null,
    });
    expect(Date.now() - Date.parse(data!.startedAt!)).toBeLessThan(60_000);

    const badNumber = await call(t, 'POST', '/api/v1/video/calls', {
      ...inOrg(bob, orgId),
      body: { direction: 'outbound', phoneNumber: '030 123456' },
    });
    expect([badNumber.status, badNumber.body.code, fields(badNumber.body)]).toEqual([
      400,
      'VALIDATION_FAILED',
      ['phoneNumber'],
    ]);

    const badDirection = await call(t, 'POST', '/api/v1/video/calls', {
      ...inOrg(bob, orgId),
      body: { direction: 'sideways', phoneNumber: '+4930123456' },
    });
    expect([badDirection.status, fields(badDirection.body)]).toEqual([400, ['direction']]);

    const noNumber = await call(t, 'POST', '/api/v1/video/calls', {
      ...inOrg(bob, orgId),
      body: { direction: 'inbound' },
    });
    expect([noNumber.status, noNumber.body.code, fields(noNumber.body)]).toEqual([
      400,
      'CALL_INVALID_INPUT',
      ['phoneNumber'],
    ]);

    const stranger = await call(t, 'POST', '/api/v1/video/calls', {
      ...inOrg(bob, orgId),
      body: { direction: 'internal', participantIds: [outsider.id] },
    });
    expect([stranger.status, stranger.body.code, fields(stranger.body)]).toEqual([
      400,
      'CALL_INVALID_INPUT',
      ['participantIds'],
    ]);

    const alone = await call(t, 'POST', '/api/v1/video/calls', {
      ...inOrg(bob, orgId),
      body: { direction: 'internal', phoneNumber: '+4930123456' },
    });
    expect(fields(alone.body).sort()).toEqual(['participantIds', 'phoneNumber']);

    const foreignMeeting = await call(t, 'POST', '/api/v1/video/calls', {
      ...inOrg(bob, orgId),
      body: { direction: 'internal', participantIds: [carol.id], meetingId: crypto.randomUUID() },
    });
    expect([foreignMeeting.status, fields(foreignMeeting.body)]).toEqual([400, ['meetingId']]);
  });

  it('shows a call to its creator, participants and org admins; 404 to other members and other organizations', async () => {
    const created = await create(bob, { direction: 'internal', participantIds: [carol.id] });
    const id = created.id as string;
    for (const user of [bob, carol, alice]) {
      const { response, data } = await api(user).GET('/api/v1/video/calls/{id}', {
        params: { ...org(), path: { id } },
      });
      expect(response.status).toBe(200);
      expect(data!.id).toBe(id);
    }
    const hidden = await api(dan).GET('/api/v1/video/calls/{id}', { params: { ...org(), path: { id } } });
    expect([hidden.response.status, (hidden.error as Json).code]).toEqual([404, 'CALL_NOT_FOUND']);
    const fromOtherOrg = await api(outsider).GET('/api/v1/video/calls/{id}', {
      params: { ...org(otherOrgId), path: { id } },
    });
    expect(fromOtherOrg.response.status).toBe(404);
    const notMember = await api(outsider).GET('/api/v1/video/calls/{id}', { params: { ...org(), path: { id } } });
    expect(notMember.response.status).toBe(404);
    const danList = await api(dan).GET('/api/v1/video/calls', { params: { ...org() } });
    expect(danList.data!.items.map((c) => c.id)).not.toContain(id);
    const end = await api(outsider).POST('/api/v1/video/calls/{id}/end', {
      params: { ...org(otherOrgId), path: { id } },
      body: {},
    });
    expect(end.response.status).toBe(404);
  });

  it('lists newest first with filters and a keyset cursor', async () => {
    const { orgId: listOrg, users } = await createTeam(t, 2, 'List');
    const [owner, member] = users;
    const a = await create(owner, { direction: 'inbound', phoneNumber: '+12025550101' }, listOrg);
    const b = await create(owner, { direction: 'outbound', phoneNumber: '+12025550102' }, listOrg);
    const c = await create(owner, { direction: 'internal', participantIds: [member.id] }, listOrg);
    const scheduled = await call(t, 'POST', '/api/v1/video/calls/schedule', {
      ...inOrg(owner, listOrg),
      body: { direction: 'outbound', phoneNumber: '+12025550103', scheduledAt: daysAhead(200) },
    });
    expect(scheduled.status).toBe(201);
    const d = scheduled.body as Json;
    const list = (query: Json) =>
      api(owner).GET('/api/v1/video/calls', { params: { ...org(listOrg), query: query as never } });

    const all = await list({});
    expect(all.data!.items.map((x) => x.id)).toEqual([d.id, c.id, b.id, a.id]);

    const pages: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await list({ limit: 3, cursor });
      pages.push(...page.data!.items.map((x) => x.id));
      cursor = page.data!.nextCursor ?? undefined;
    } while (cursor);
    expect(pages).toEqual([d.id, c.id, b.id, a.id]);

    expect((await list({ direction: 'inbound' })).data!.items.map((x) => x.id)).toEqual([a.id]);
    expect((await list({ phoneNumber: '+12025550102' })).data!.items.map((x) => x.id)).toEqual([b.id]);
    expect((await list({ participantId: member.id })).data!.items.map((x) => x.id)).toEqual([c.id]);
    expect((await list({ status: 'scheduled' })).data!.items.map((x) => x.id)).toEqual([d.id]);
    expect((await list({ from: daysAhead(100) })).data!.items.map((x) => x.id)).toEqual([d.id]);
    expect((await list({ to: daysAhead(100) })).data!.items.map((x) => x.id)).toEqual([c.id, b.id, a.id]);
    // The member sees only the call they take part in.
    const mine = await api(member).GET('/api/v1/video/calls', { params: { ...org(listOrg) } });
    expect(mine.data!.items.map((x) => x.id)).toEqual([c.id]);

    const badCursor = await call(t, 'GET', '/api/v1/video/calls?cursor=nope', inOrg(owner, listOrg));
    expect([badCursor.status, badCursor.body.code]).toEqual([400, 'CALL_INVALID_CURSOR']);
    const badFilter = await call(t, 'GET', '/api/v1/video/calls?status=talking&phoneNumber=123', inOrg(owner, listOrg));
    expect([badFilter.status, fields(badFilter.body).sort()]).toEqual([400, ['phoneNumber', 'status']]);
  });

  it('ends an active call once (409 after), takes transcript and recording link, and one feedback per member', async () => {
    const created = await create(bob, {
      direction: 'outbound',
      phoneNumber: '+4930123456',
      participantIds: [carol.id],
    });
    const id = created.id as string;
    const path = { ...org(), path: { id } };

    const early = await api(bob).POST('/api/v1/video/calls/{id}/feedback', { params: path, body: { rating: 5 } });
    expect([early.response.status, (early.error as Json).code]).toEqual([409, 'CALL_INVALID_STATE']);

    const ended = await api(bob).POST('/api/v1/video/calls/{id}/end', { params: path, body: {} });
    expect(ended.response.status).toBe(200);
    expect(ended.data).toMatchObject({ status: 'completed' });
    expect(ended.data!.durationSeconds).toBeGreaterThanOrEqual(0);
    expect(Date.parse(ended.data!.endedAt!)).toBeGreaterThanOrEqual(Date.parse(ended.data!.startedAt!));
    // Without any body (no content type) the outcome defaults too; the call is no longer active by then.
    const noBody = await call(t, 'POST', `/api/v1/video/calls/${id}/end`, inOrg(carol, orgId));
    expect(noBody.status).toBe(409);
    const again = await api(carol).POST('/api/v1/video/calls/{id}/end', { params: path, body: {} });
    expect([again.response.status, (again.error as Json).code, (again.error as Json).details]).toEqual([
      409,
      'CALL_INVALID_STATE',
      { status: 'completed' },
    ]);

    const patched = await api(carol).PATCH('/api/v1/video/calls/{id}', {
      params: path,
      body: { transcript: 'Hello, this is Bob.', recordingUrl: 'https://files.example.com/rec/1.ogg', notes: 'ok' },
    });
    expect(patched.data).toMatchObject({
      transcript: 'Hello, this is Bob.',
      recordingUrl: 'https://files.example.com/rec/1.ogg',
      notes: 'ok',
    });
    const cleared = await api(bob).PATCH('/api/v1/video/calls/{id}', { params: path, body: { notes: null } });
    expect(cleared.data).toMatchObject({ notes: null, transcript: 'Hello, this is Bob.' });
    const badUrl = await call(t, 'PATCH', `/api/v1/video/calls/${id}`, {
      ...inOrg(bob, orgId),
      body: { recordingUrl: 'ftp://x/y' },
    });
    expect([badUrl.status, fields(badUrl.body)]).toEqual([400, ['recordingUrl']]);

    const first = await api(bob).POST('/api/v1/video/calls/{id}/feedback', {
      params: path,
      body: { rating: 4, comment: 'clear line' },
    });
    expect(first.data).toMatchObject({ callId: id, userId: bob.id, rating: 4, comment: 'clear line', replaced: false });
    const second = await api(bob).POST('/api/v1/video/calls/{id}/feedback', { params: path, body: { rating: 2 } });
    expect(second.data).toMatchObject({ rating: 2, comment: null, replaced: true });
    const tooHigh = await call(t, 'POST', `/api/v1/video/calls/${id}/feedback`, {
      ...inOrg(carol, orgId),
      body: { rating: 6 },
    });
    expect([tooHigh.status, fields(tooHigh.body)]).toEqual([400, ['rating']]);
    const badOutcome = await call(t, 'POST', `/api/v1/video/calls/${id}/end`, {
      ...inOrg(carol, orgId),
      body: { outcome: 'exploded' },
    });
    expect([badOutcome.status, fields(badOutcome.body)]).toEqual([400, ['outcome']]);
  });

  it('computes statistics by status and direction, durations and mean rating over a window', async () => {
    const { orgId: statsOrg, users } = await createTeam(t, 2, 'Stats');
    const [owner, member] = users;
    const em = t.app.get(MikroORM).em.fork();
    const one = await create(owner, { direction: 'inbound', phoneNumber: '+12025550111' }, statsOrg);
    const two = await create(owner, { direction: 'outbound', phoneNumber: '+12025550112' }, statsOrg);
    await create(member, { direction: 'internal', participantIds: [owner.id] }, statsOrg);
    // Give the ended calls known durations.
    for (const [id, outcome] of [
      [one.id, 'completed'],
      [two.id, 'missed'],
    ] as const) {
      const res = await call(t, 'POST', `/api/v1/video/calls/${id as string}/end`, {
        ...inOrg(owner, statsOrg),
        body: { outcome },
      });
      expect(res.status).toBe(200);
    }
    await em.nativeUpdate(Call, { id: one.id as string }, { durationSeconds: 120 });
    for (const [id, rating] of [
      [one.id as string, 5],
      [two.id as string, 2],
    ] as const) {
      const rated = await api(owner).POST('/api/v1/video/calls/{id}/feedback', {
        params: { ...org(statsOrg), path: { id } },
        body: { rating },
      });
      expect(rated.response.status).toBe(200);
    }
    await call(t, 'POST', '/api/v1/video/calls/schedule', {
      ...inOrg(owner, statsOrg),
      body: { direction: 'outbound', phoneNumber: '+12025550113', scheduledAt: daysAhead(250) },
    });

    const stats = await api(owner).GET('/api/v1/video/calls/stats/summary', { params: { ...org(statsOrg) } });
    expect(stats.data).toEqual({
      total: 4,
      byStatus: { scheduled: 1, ringing: 0, in_progress: 1, completed: 1, missed: 1, failed: 0, cancelled: 0 },
      byDirection: { inbound: 1, outbound: 2, internal: 1 },
      totalDurationSeconds: 120,
      averageDurationSeconds: 60,
      averageRating: 3.5,
      feedbackCount: 2,
      from: null,
      to: null,
    });
    const windowed = await api(owner).GET('/api/v1/video/calls/stats/summary', {
      params: { ...org(statsOrg), query: { from: daysAhead(100), to: daysAhead(300) } },
    });
    expect(windowed.data).toMatchObject({
      total: 1,
      byStatus: { scheduled: 1 },
      totalDurationSeconds: 0,
      averageDurationSeconds: null,
      averageRating: null,
      from: daysAhead(100),
      to: daysAhead(300),
    });
    // A member counts only the calls they created or take part in.
    const memberStats = await api(member).GET('/api/v1/video/calls/stats/summary', { params: { ...org(statsOrg) } });
    expect(memberStats.data).toMatchObject({ total: 1, byDirection: { internal: 1 } });
    const badWindow = await call(t, 'GET', '/api/v1/video/calls/stats/summary?from=yesterday', inOrg(owner, statsOrg));
    expect([badWindow.status, fields(badWindow.body)]).toEqual([400, ['from']]);
  });

  it('starts a scheduled call at its time: ringing, call.started to participants and as a webhook', async () => {
    const hookPath = '/calls-hooks';
    await t.app.get(MikroORM).em.fork().nativeUpdate(Organization, { id: orgId }, { plan: Plan.Pro });
    const endpoint = await call(t, 'POST', '/api/v1/webhooks/endpoints', {
      ...inOrg(alice, orgId),
      body: { url: `${receiver.url}${hookPath}`, eventTypes: ['call.started', 'call.ended'] },
    });
    expect(endpoint.status).toBe(201);
    const socket = await connectSocket(t, carol, '/notifications');
    sockets.push(socket);
    const seen: Json[] = [];
    socket.on('call.started', (payload: Json) => seen.push(payload));
    const danSocket = await connectSocket(t, dan, '/notifications');
    sockets.push(danSocket);
    const danSeen: Json[] = [];
    danSocket.on('call.started', (payload: Json) => danSeen.push(payload));

    const past = await call(t, 'POST', '/api/v1/video/calls/schedule', {
      ...inOrg(bob, orgId),
      body: { direction: 'internal', participantIds: [carol.id], scheduledAt: new Date(Date.now() - 1000) },
    });
    expect([past.status, past.body.code, fields(past.body)]).toEqual([400, 'CALL_INVALID_INPUT', ['scheduledAt']]);
    const missing = await call(t, 'POST', '/api/v1/video/calls/schedule', {
      ...inOrg(bob, orgId),
      body: { direction: 'internal', participantIds: [carol.id] },
    });
    expect([missing.status, fields(missing.body)]).toEqual([400, ['scheduledAt']]);

    const scheduledAt = new Date(Date.now() + 1500).toISOString();
    const { data: scheduled } = await api(bob).POST('/api/v1/video/calls/schedule', {
      params: org(),
      body: { direction: 'internal', participantIds: [carol.id], scheduledAt },
    });
    expect(scheduled).toMatchObject({ status: 'scheduled', scheduledAt, startedAt: null });
    const id = scheduled!.id;
    expect(await callsQueue().getJob(`call-start-${id}`)).toBeDefined();

    const ringing = await eventually(
      async () => {
        const { data } = await api(carol).GET('/api/v1/video/calls/{id}', { params: { ...org(), path: { id } } });
        return data?.status === 'ringing' ? data : undefined;
      },
      15_000,
      'the scheduled call to ring',
    );
    expect(Date.parse(ringing.startedAt!)).toBeGreaterThanOrEqual(Date.parse(scheduledAt) - 50);
    const onSocket = await eventually(() => seen.find((p) => p.callId === id), 10_000, 'call.started on the socket');
    expect(onSocket).toEqual({
      callId: id,
      organizationId: orgId,
      direction: 'internal',
      status: 'ringing',
      createdById: bob.id,
      participantIds: [bob.id, carol.id],
      phoneNumber: null,
      meetingId: null,
      startedAt: ringing.startedAt,
    });
    const hook = await eventually(
      () =>
        receiver.received.find((r) => {
          const body = JSON.parse(r.body) as Json;
          return r.path === hookPath && body.type === 'call.started' && body.data.callId === id;
        }),
      15_000,
      'call.started webhook',
    );
    expect((JSON.parse(hook.body) as Json).data).toMatchObject({ callId: id, scheduledAt, status: 'ringing' });

    // A retried job is a no-op: nothing is announced twice.
    await t.app.get(CallsService).startScheduled(id);
    const ended = await api(bob).POST('/api/v1/video/calls/{id}/end', {
      params: { ...org(), path: { id } },
      body: { outcome: 'missed' },
    });
    expect(ended.data).toMatchObject({ status: 'missed', durationSeconds: 0 });
    await eventually(
      () =>
        receiver.received.find((r) => {
          const body = JSON.parse(r.body) as Json;
          return r.path === hookPath && body.type === 'call.ended' && body.data.callId === id;
        }),
      15_000,
      'call.ended webhook',
    );
    expect(seen.filter((p) => p.callId === id)).toHaveLength(1);
    expect(danSeen).toEqual([]);
  });

  it('cancels a scheduled call and removes its job (creator or admin; 409 once cancelled)', async () => {
    const { data: scheduled } = await api(bob).POST('/api/v1/video/calls/schedule', {
      params: org(),
      body: {
        direction: 'outbound',
        phoneNumber: '+4930999999',
        participantIds: [carol.id],
        scheduledAt: new Date(Date.now() + 3600_000).toISOString(),
      },
    });
    const id = scheduled!.id;
    const job = await callsQueue().getJob(`call-start-${id}`);
    expect(await job?.getState()).toBe('delayed');

    const byParticipant = await api(carol).POST('/api/v1/video/calls/{id}/cancel', {
      params: { ...org(), path: { id } },
    });
    expect([byParticipant.response.status, (byParticipant.error as Json).code]).toEqual([403, 'CALL_CREATOR_REQUIRED']);
    const byStranger = await api(dan).POST('/api/v1/video/calls/{id}/cancel', { params: { ...org(), path: { id } } });
    expect(byStranger.response.status).toBe(404);

    const cancelled = await api(bob).POST('/api/v1/video/calls/{id}/cancel', { params: { ...org(), path: { id } } });
    expect(cancelled.data).toMatchObject({ id, status: 'cancelled' });
    expect(await callsQueue().getJob(`call-start-${id}`)).toBeUndefined();
    const again = await api(alice).POST('/api/v1/video/calls/{id}/cancel', { params: { ...org(), path: { id } } });
    expect([again.response.status, (again.error as Json).code]).toEqual([409, 'CALL_INVALID_STATE']);
    // The job would do nothing even if it still ran.
    await t.app.get(CallsService).startScheduled(id);
    const after = await api(bob).GET('/api/v1/video/calls/{id}', { params: { ...org(), path: { id } } });
    expect(after.data!.status).toBe('cancelled');
  });

  it('creates calls in bulk in one transaction: a bad item refuses all of them, naming its index', async () => {
    const before = await countCalls();
    const at = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
    const good = (n: number) => ({
      direction: 'outbound' as const,
      phoneNumber: `+1202555${String(1000 + n)}`,
      participantIds: [carol.id],
      scheduledAt: at(60 + n),
    });

    const badShape = await call(t, 'POST', '/api/v1/video/calls/bulk', {
      ...inOrg(bob, orgId),
      body: { items: [good(1), good(2), good(3), { ...good(4), phoneNumber: '12345' }] },
    });
    expect([badShape.status, badShape.body.code, fields(badShape.body)]).toEqual([
      400,
      'VALIDATION_FAILED',
      ['items.3.phoneNumber'],
    ]);

    const badRules = await call(t, 'POST', '/api/v1/video/calls/bulk', {
      ...inOrg(bob, orgId),
      body: {
        items: [good(1), { ...good(2), participantIds: [outsider.id] }, good(3), { direction: 'inbound' }],
      },
    });
    expect([badRules.status, badRules.body.code, fields(badRules.body).sort()]).toEqual([
      400,
      'CALL_INVALID_INPUT',
      ['items.1.participantIds', 'items.3.phoneNumber'],
    ]);
    expect(await countCalls()).toBe(before);

    for (const items of [[null], ['x'], 'x', [{ ...good(1), extra: true }]]) {
      const malformed = await call(t, 'POST', '/api/v1/video/calls/bulk', { ...inOrg(bob, orgId), body: { items } });
      expect([malformed.status, malformed.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    }
    const empty = await call(t, 'POST', '/api/v1/video/calls/bulk', { ...inOrg(bob, orgId), body: { items: [] } });
    expect([empty.status, fields(empty.body)]).toEqual([400, ['items']]);
    const tooMany = await call(t, 'POST', '/api/v1/video/calls/bulk', {
      ...inOrg(bob, orgId),
      body: { items: Array.from({ length: 501 }, (_, i) => good(i)) },
    });
    expect([tooMany.status, fields(tooMany.body)]).toEqual([400, ['items']]);
    expect(await countCalls()).toBe(before);

    const { data, response } = await api(bob).POST('/api/v1/video/calls/bulk', {
      params: org(),
      body: { items: [good(1), good(2), { direction: 'inbound', phoneNumber: '+4930555000' }] },
    });
    expect(response.status).toBe(201);
    expect(data!.count).toBe(3);
    expect(data!.items.map((c) => c.status)).toEqual(['scheduled', 'scheduled', 'in_progress']);
    expect(data!.items.map((c) => c.phoneNumber)).toEqual(['+12025551001', '+12025551002', '+4930555000']);
    expect(await countCalls()).toBe(before + 3);
    for (const item of data!.items.slice(0, 2)) {
      expect(await (await callsQueue().getJob(`call-start-${item.id}`))?.getState()).toBe('delayed');
    }
  });

  it('takes the largest bulk request (500 calls, scheduled and starting now) at once', async () => {
    const { orgId: bulkOrg, users } = await createTeam(t, 2, 'Bulk');
    const [owner, member] = users;
    const items = Array.from({ length: 500 }, (_, i) =>
      i % 2 === 0
        ? { direction: 'internal' as const, participantIds: [member.id] }
        : {
            direction: 'outbound' as const,
            phoneNumber: `+1202556${String(1000 + i)}`,
            scheduledAt: new Date(Date.now() + 3600_000 + i * 1000).toISOString(),
          },
    );
    const started = Date.now();
    const { data, response } = await api(owner).POST('/api/v1/video/calls/bulk', {
      params: org(bulkOrg),
      body: { items },
    });
    expect(response.status).toBe(201);
    expect(data!.count).toBe(500);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await countCalls(bulkOrg)).toBe(500);
    expect(await callsQueue().getJob(`call-start-${data!.items[499].id}`)).toBeDefined();
    const stats = await api(member).GET('/api/v1/video/calls/stats/summary', { params: { ...org(bulkOrg) } });
    expect(stats.data).toMatchObject({ total: 250, byStatus: { in_progress: 250 } });
  });

  it('answers a retried create, schedule or bulk with the same Idempotency-Key with what the first one made', async () => {
    const { orgId: keyOrg, users } = await createTeam(t, 2, 'Keys');
    const [owner, member] = users;
    const send = (path: string, body: unknown, key: string, user = owner) =>
      call(t, 'POST', `/api/v1/video/calls${path}`, {
        ...inOrg(user, keyOrg),
        headers: { 'X-Organization-Id': keyOrg, 'Idempotency-Key': key },
        body,
      });

    const first = await send('', { direction: 'internal', participantIds: [member.id] }, 'create-1');
    expect(first.status).toBe(201);
    const retry = await send('', { direction: 'internal', participantIds: [member.id] }, 'create-1');
    expect(retry.status).toBe(200);
    expect(retry.body.id).toBe(first.body.id);
    // Another user's same key is their own.
    expect((await send('', { direction: 'internal', participantIds: [owner.id] }, 'create-1', member)).status).toBe(
      201,
    );

    const at = new Date(Date.now() + 3600_000).toISOString();
    const scheduled = await send(
      '/schedule',
      { direction: 'outbound', phoneNumber: '+12025550123', scheduledAt: at },
      's-1',
    );
    const again = await send(
      '/schedule',
      { direction: 'outbound', phoneNumber: '+12025550123', scheduledAt: at },
      's-1',
    );
    expect([scheduled.status, again.status]).toEqual([201, 200]);
    expect(again.body.id).toBe(scheduled.body.id);

    // Concurrent retries of one bulk request create its calls once.
    const items = Array.from({ length: 20 }, (_, i) => ({
      direction: 'outbound' as const,
      phoneNumber: `+1202557${String(1000 + i)}`,
    }));
    const racing = await Promise.all([1, 2, 3].map(() => send('/bulk', { items }, 'bulk-1')));
    expect(racing.map((r) => r.status).sort()).toEqual([200, 200, 201]);
    const ids = racing.map((r) => (r.body.items as { id: string }[]).map((c) => c.id).join());
    expect(new Set(ids).size).toBe(1);
    expect(await countCalls(keyOrg)).toBe(1 + 1 + 1 + 20);

    const bad = await send('', { direction: 'internal', participantIds: [member.id] }, 'bad key with spaces');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.details)).toContain('Idempotency-Key');
  });

  it('runs an internal call as a live meeting when asked (video), and ending the call ends the meeting', async () => {
    const created = await create(bob, { direction: 'internal', participantIds: [carol.id], video: true });
    expect(created.meetingId).toEqual(expect.any(String));
    const meeting = await api(carol).GET('/api/v1/video/meetings/{id}', {
      params: { ...org(), path: { id: created.meetingId as string } },
    });
    expect(meeting.data).toMatchObject({ status: 'live', hostId: bob.id });
    await api(bob).POST('/api/v1/video/calls/{id}/end', {
      params: { ...org(), path: { id: created.id as string } },
      body: {},
    });
    const after = await api(bob).GET('/api/v1/video/meetings/{id}', {
      params: { ...org(), path: { id: created.meetingId as string } },
    });
    expect(after.data!.status).toBe('ended');

    const phoneVideo = await call(t, 'POST', '/api/v1/video/calls', {
      ...inOrg(bob, orgId),
      body: { direction: 'outbound', phoneNumber: '+4930123456', video: true },
    });
    expect([phoneVideo.status, fields(phoneVideo.body)]).toEqual([400, ['video']]);
  });
});

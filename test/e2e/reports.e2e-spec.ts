import { MikroORM } from '@mikro-orm/postgresql';
import { io, type Socket } from 'socket.io-client';
import { Role } from 'src/common/auth/auth-user';
import { User } from 'src/modules/users/user.entity';
import type { RealtimeEvents } from 'src/realtime/events';
import { createTeam } from '../support/chat-fixtures';
import { call, eventually, inOrg, registerUser, startTestApp, type TestApp, type TestUser } from '../support/test-app';

type Json = Record<string, any>;
type ReportUpdated = RealtimeEvents['report.updated'];

describe('reports: users report messages, users and bugs; admins work them through', () => {
  let t: TestApp;
  let adminToken: string;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    const admin = await registerUser(t);
    await t.app.get(MikroORM).em.fork().nativeUpdate(User, { id: admin.id }, { role: Role.Admin });
    const login = await call(t, 'POST', '/api/v1/auth/login', {
      body: { login: admin.email, password: admin.password },
    });
    adminToken = (login.body as Json).tokens.accessToken as string;
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) {
      socket.disconnect();
    }
  });
  afterAll(() => t.close());

  /** An organization owned by the first user, with the others as members. */
  const team = (size: number) => createTeam(t, size, 'Reports');

  /** A group conversation of all `users` (created by the first) and one message from `author`. */
  async function messageFrom(orgId: string, users: TestUser[], author: TestUser, body: string) {
    const conversation = await call(t, 'POST', '/api/v1/chat/conversations', {
      ...inOrg(users[0], orgId),
      body: { type: 'group', title: 'Team', memberIds: users.slice(1).map((u) => u.id) },
    });
    expect(conversation.status).toBe(201);
    const conversationId = conversation.body.id as string;
    const message = await call(t, 'POST', `/api/v1/chat/conversations/${conversationId}/messages`, {
      ...inOrg(author, orgId),
      body: { body },
    });
    expect(message.status).toBe(201);
    return { conversationId, messageId: message.body.id as string };
  }

  const report = (user: TestUser, body: Json) => call(t, 'POST', '/api/v1/reports', { token: user.accessToken, body });
  const admin = (method: string, path: string, body?: unknown) =>
    call(t, method, `/api/v1/admin/reports${path}`, { token: adminToken, body });

  async function notifications(user: TestUser): Promise<ReportUpdated[]> {
    const socket = io(`${t.baseUrl}/notifications`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { token: user.accessToken },
    });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const seen: ReportUpdated[] = [];
    socket.on('report.updated', (payload: ReportUpdated) => seen.push(payload));
    return seen;
  }

  it('files message, user and bug reports, with the organization and a snapshot of the message', async () => {
    const { orgId, users } = await team(3);
    const [alice, bob, carol] = users;
    const { conversationId, messageId } = await messageFrom(orgId, users, bob, 'you are all terrible');

    const byMessage = await report(alice, { type: 'message', messageId, reason: 'harassment', description: 'rude' });
    expect(byMessage.status).toBe(201);
    expect(byMessage.body).toMatchObject({
      type: 'message',
      reason: 'harassment',
      description: 'rude',
      status: 'open',
      organizationId: orgId,
      targetMessageId: messageId,
      targetUserId: bob.id,
      title: null,
      resolution: null,
      closedAt: null,
    });

    const byUser = await report(alice, { type: 'user', userId: carol.id, reason: 'spam' });
    expect(byUser.status).toBe(201);
    expect(byUser.body).toMatchObject({ type: 'user', organizationId: orgId, targetUserId: carol.id });

    const bug = await report(alice, { type: 'bug', title: 'Search is empty', description: 'no results ever' });
    expect(bug.status).toBe(201);
    expect(bug.body).toMatchObject({ type: 'bug', reason: null, title: 'Search is empty', organizationId: null });
    const orgBug = await report(alice, { type: 'bug', title: 'Org bug', description: 'x', organizationId: orgId });
    expect(orgBug.body.organizationId).toBe(orgId);

    const detail = await admin('GET', `/${byMessage.body.id as string}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({
      reporter: { id: alice.id, username: alice.username },
      targetUser: { id: bob.id, username: bob.username },
      messageSnapshot: {
        messageId,
        conversationId,
        authorId: bob.id,
        authorUsername: bob.username,
        body: 'you are all terrible',
        editedAt: null,
      },
    });
    expect((detail.body.events as Json[]).map((e): unknown => [e.kind, e.toStatus, e.actorId])).toEqual([
      ['created', 'open', alice.id],
    ]);
  });

  it('keeps the evidence when the reported message is deleted, and refuses reports of deleted messages', async () => {
    const { orgId, users } = await team(3);
    const [alice, bob, carol] = users;
    const { conversationId, messageId } = await messageFrom(orgId, users, bob, 'evidence text');
    const filed = await report(alice, { type: 'message', messageId, reason: 'abuse' });
    expect(filed.status).toBe(201);

    const deleted = await call(
      t,
      'DELETE',
      `/api/v1/chat/conversations/${conversationId}/messages/${messageId}`,
      inOrg(bob, orgId),
    );
    expect(deleted.status).toBe(204);
    const detail = await admin('GET', `/${filed.body.id as string}`);
    expect(detail.body.messageSnapshot).toMatchObject({ body: 'evidence text', authorId: bob.id });

    const late = await report(carol, { type: 'message', messageId, reason: 'abuse' });
    expect([late.status, late.body.code, late.body.details.field]).toEqual([410, 'REPORT_TARGET_DELETED', 'messageId']);
  });

  it('hides targets the reporter cannot see (404) and refuses reporting oneself', async () => {
    const { orgId, users } = await team(2);
    const [alice, bob] = users;
    const outsider = await registerUser(t);
    const { messageId } = await messageFrom(orgId, users, bob, 'members only');

    const notMember = await report(outsider, { type: 'message', messageId, reason: 'spam' });
    expect([notMember.status, notMember.body.code, notMember.body.details.field]).toEqual([
      404,
      'REPORT_TARGET_NOT_FOUND',
      'messageId',
    ]);
    const unknown = await report(alice, {
      type: 'message',
      messageId: '00000000-0000-4000-8000-000000000000',
      reason: 'spam',
    });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'REPORT_TARGET_NOT_FOUND']);
    const stranger = await report(alice, { type: 'user', userId: outsider.id, reason: 'spam' });
    expect([stranger.status, stranger.body.code, stranger.body.details.field]).toEqual([
      404,
      'REPORT_TARGET_NOT_FOUND',
      'userId',
    ]);
    const ownMessage = await report(bob, { type: 'message', messageId, reason: 'spam' });
    expect([ownMessage.status, ownMessage.body.code]).toEqual([400, 'REPORT_SELF_TARGET']);
    const self = await report(alice, { type: 'user', userId: alice.id, reason: 'spam' });
    expect([self.status, self.body.code, self.body.details.field]).toEqual([400, 'REPORT_SELF_TARGET', 'userId']);
    const otherOrg = await report(outsider, {
      type: 'bug',
      title: 'A bug',
      description: 'x',
      organizationId: orgId,
    });
    expect([otherOrg.status, otherOrg.body.details.field]).toEqual([404, 'organizationId']);
  });

  it('answers a second report of the same open target with 409 and the existing id; closing frees it', async () => {
    const { orgId, users } = await team(2);
    const [alice, bob] = users;
    const { messageId } = await messageFrom(orgId, users, bob, 'twice');

    const first = await report(alice, { type: 'message', messageId, reason: 'spam' });
    const [again, concurrent] = await Promise.all([
      report(alice, { type: 'message', messageId, reason: 'abuse' }),
      report(alice, { type: 'message', messageId, reason: 'abuse' }),
    ]);
    for (const res of [again, concurrent]) {
      expect([res.status, res.body.code, res.body.details.reportId]).toEqual([409, 'REPORT_DUPLICATE', first.body.id]);
    }
    // Two first reports at once: the unique key lets one through, the other gets 409 with its id.
    const race = await Promise.all(
      [0, 1, 2].map(() => report(alice, { type: 'user', userId: bob.id, reason: 'spam' })),
    );
    const created = race.filter((r) => r.status === 201);
    expect(created).toHaveLength(1);
    for (const res of race.filter((r) => r !== created[0])) {
      expect([res.status, res.body.code, res.body.details.reportId]).toEqual([
        409,
        'REPORT_DUPLICATE',
        created[0].body.id,
      ]);
    }

    const withdrawn = await call(t, 'POST', `/api/v1/reports/${first.body.id as string}/withdraw`, {
      token: alice.accessToken,
    });
    expect([withdrawn.status, withdrawn.body.status]).toEqual([200, 'withdrawn']);
    const withdrawAgain = await call(t, 'POST', `/api/v1/reports/${first.body.id as string}/withdraw`, {
      token: alice.accessToken,
    });
    expect([withdrawAgain.status, withdrawAgain.body.code, withdrawAgain.body.details]).toMatchObject([
      409,
      'REPORT_INVALID_TRANSITION',
      { from: 'withdrawn', to: 'withdrawn' },
    ]);
    const afterClose = await report(alice, { type: 'message', messageId, reason: 'spam' });
    expect(afterClose.status).toBe(201);
  });

  it('lists and shows only your own reports, paged by cursor and filtered by status', async () => {
    const { users } = await team(2);
    const [alice, bob] = users;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await report(alice, { type: 'bug', title: `Bug ${i}`, description: 'd' });
      ids.push(res.body.id as string);
    }
    const first = await call(t, 'GET', '/api/v1/reports?limit=2', { token: alice.accessToken });
    expect(first.status).toBe(200);
    expect((first.body.items as Json[]).map((r): unknown => r.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await call(t, 'GET', `/api/v1/reports?limit=2&cursor=${first.body.nextCursor as string}`, {
      token: alice.accessToken,
    });
    expect([(second.body.items as Json[]).map((r): unknown => r.id), second.body.nextCursor]).toEqual([[ids[0]], null]);

    const bobs = await call(t, 'GET', '/api/v1/reports', { token: bob.accessToken });
    expect(bobs.body).toEqual({ items: [], nextCursor: null });
    const peek = await call(t, 'GET', `/api/v1/reports/${ids[0]}`, { token: bob.accessToken });
    expect([peek.status, peek.body.code]).toEqual([404, 'REPORT_NOT_FOUND']);
    const edit = await call(t, 'PATCH', `/api/v1/reports/${ids[0]}`, {
      token: bob.accessToken,
      body: { description: 'mine now' },
    });
    expect(edit.status).toBe(404);

    await call(t, 'POST', `/api/v1/reports/${ids[1]}/withdraw`, { token: alice.accessToken });
    const withdrawn = await call(t, 'GET', '/api/v1/reports?status=withdrawn', { token: alice.accessToken });
    expect((withdrawn.body.items as Json[]).map((r): unknown => r.id)).toEqual([ids[1]]);
    const badCursor = await call(t, 'GET', '/api/v1/reports?cursor=nonsense', { token: alice.accessToken });
    expect([badCursor.status, badCursor.body.code, badCursor.body.details.field]).toEqual([
      400,
      'REPORT_INVALID_CURSOR',
      'cursor',
    ]);
    const badStatus = await call(t, 'GET', '/api/v1/reports?status=lost', { token: alice.accessToken });
    expect([badStatus.status, badStatus.body.details[0].field]).toEqual([400, 'status']);
  });

  it('lets the reporter edit while open, and not once an admin took it in review (409)', async () => {
    const { orgId, users } = await team(2);
    const [alice, bob] = users;
    const filed = await report(alice, { type: 'user', userId: bob.id, reason: 'spam', description: 'first' });
    const id = filed.body.id as string;

    const edited = await call(t, 'PATCH', `/api/v1/reports/${id}`, {
      token: alice.accessToken,
      body: { reason: 'harassment', description: 'more detail' },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ reason: 'harassment', description: 'more detail', organizationId: orgId });
    expect((edited.body.events as Json[]).map((e): unknown => e.kind)).toEqual(['created', 'edited']);
    const wrongField = await call(t, 'PATCH', `/api/v1/reports/${id}`, {
      token: alice.accessToken,
      body: { title: 'not for user reports' },
    });
    expect([wrongField.status, wrongField.body.code, wrongField.body.details.field]).toEqual([
      400,
      'REPORT_FIELD_NOT_ALLOWED',
      'title',
    ]);

    expect((await admin('PATCH', `/${id}`, { status: 'in_review' })).status).toBe(200);
    const locked = await call(t, 'PATCH', `/api/v1/reports/${id}`, {
      token: alice.accessToken,
      body: { description: 'too late' },
    });
    expect([locked.status, locked.body.code, locked.body.details.status]).toEqual([
      409,
      'REPORT_NOT_EDITABLE',
      'in_review',
    ]);
  });

  it('keeps non-admins out of the admin routes (403)', async () => {
    const user = await registerUser(t);
    const filed = await report(user, { type: 'bug', title: 'Mine', description: 'd' });
    const id = filed.body.id as string;
    for (const [method, path, body] of [
      ['GET', '', undefined],
      ['GET', '/counts', undefined],
      ['GET', `/${id}`, undefined],
      ['PATCH', `/${id}`, { status: 'in_review' }],
      ['POST', `/${id}/comments`, { body: 'hi' }],
    ] as const) {
      const res = await call(t, method, `/api/v1/admin/reports${path}`, { token: user.accessToken, body });
      expect([method, path, res.status, res.body.code]).toEqual([method, path, 403, 'AUTH_FORBIDDEN_ROLE']);
    }
  });

  it('filters and pages the admin list, and counts per status', async () => {
    const { orgId, users } = await team(3);
    const [alice, bob, carol] = users;
    const { messageId } = await messageFrom(orgId, users, bob, 'filter me');
    const m = await report(alice, { type: 'message', messageId, reason: 'spam' });
    const u = await report(carol, { type: 'user', userId: bob.id, reason: 'abuse' });
    const b = await report(carol, { type: 'bug', title: 'Broken', description: 'd', organizationId: orgId });
    await admin('PATCH', `/${u.body.id as string}`, { status: 'in_review' });

    const ids = async (query: string) => {
      const res = await admin('GET', `?organizationId=${orgId}&${query}`);
      expect(res.status).toBe(200);
      return (res.body.items as Json[]).map((r) => r.id as string);
    };
    expect(await ids('')).toEqual([b.body.id, u.body.id, m.body.id]);
    expect(await ids('type=message')).toEqual([m.body.id]);
    expect(await ids(`targetUserId=${bob.id}`)).toEqual([u.body.id, m.body.id]);
    expect(await ids(`reporterId=${carol.id}`)).toEqual([b.body.id, u.body.id]);
    expect(await ids('status=in_review')).toEqual([u.body.id]);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(await ids(`createdFrom=${future}`)).toEqual([]);
    expect(await ids(`createdTo=${future}&type=bug`)).toEqual([b.body.id]);

    const page = await admin('GET', `?organizationId=${orgId}&limit=2`);
    expect(page.body.items).toHaveLength(2);
    expect(page.body.items[0]).toMatchObject({ reporter: { id: carol.id }, messageSnapshot: null });
    const rest = await admin('GET', `?organizationId=${orgId}&limit=2&cursor=${page.body.nextCursor as string}`);
    expect([(rest.body.items as Json[]).map((r): unknown => r.id), rest.body.nextCursor]).toEqual([[m.body.id], null]);

    const counts = await admin('GET', `/counts?organizationId=${orgId}`);
    expect(counts.body).toEqual({ open: 2, in_review: 1, resolved: 0, dismissed: 0, withdrawn: 0 });
    const bad = await admin('GET', '?createdFrom=yesterday&limit=0');
    expect(bad.status).toBe(400);
    expect((bad.body.details as Json[]).map((d): unknown => d.field).sort()).toEqual(['createdFrom', 'limit']);
  });

  it('runs the workflow: comments, review, resolve; the reporter sees their part and gets report.updated', async () => {
    const { orgId, users } = await team(2);
    const [alice, bob] = users;
    const { messageId } = await messageFrom(orgId, users, bob, 'nasty');
    const filed = await report(alice, { type: 'message', messageId, reason: 'abuse' });
    const id = filed.body.id as string;
    const seen = await notifications(alice);
    const bobSeen = await notifications(bob);

    const internal = await admin('POST', `/${id}/comments`, { body: 'looks like a repeat offender' });
    expect(internal.status).toBe(201);
    expect(internal.body).toMatchObject({ kind: 'comment', visibleToReporter: false, byReporter: false });
    const visible = await admin('POST', `/${id}/comments`, { body: 'Thanks, we are on it', visibleToReporter: true });
    expect(visible.status).toBe(201);
    await eventually(() => seen.find((e) => e.change === 'comment'), 10_000, 'comment event');

    const skipReview = await admin('PATCH', `/${id}`, { status: 'resolved', resolution: 'done' });
    expect([skipReview.status, skipReview.body.code, skipReview.body.details]).toMatchObject([
      409,
      'REPORT_INVALID_TRANSITION',
      { from: 'open', to: 'resolved' },
    ]);
    const review = await admin('PATCH', `/${id}`, { status: 'in_review' });
    expect([review.status, review.body.status]).toEqual([200, 'in_review']);
    const noResolution = await admin('PATCH', `/${id}`, { status: 'resolved' });
    expect([noResolution.status, noResolution.body.code, noResolution.body.details.field]).toEqual([
      400,
      'REPORT_RESOLUTION_REQUIRED',
      'resolution',
    ]);
    const resolved = await admin('PATCH', `/${id}`, { status: 'resolved', resolution: 'Message author warned' });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ status: 'resolved', resolution: 'Message author warned' });
    expect(resolved.body.closedAt).toEqual(expect.any(String));
    expect((resolved.body.events as Json[]).map((e): unknown => [e.kind, e.fromStatus, e.toStatus])).toEqual([
      ['created', null, 'open'],
      ['comment', null, null],
      ['comment', null, null],
      ['status_changed', 'open', 'in_review'],
      ['status_changed', 'in_review', 'resolved'],
    ]);
    const reopen = await admin('PATCH', `/${id}`, { status: 'in_review' });
    expect([reopen.status, reopen.body.details]).toMatchObject([409, { from: 'resolved', to: 'in_review' }]);

    await eventually(() => seen.find((e) => e.status === 'resolved'), 10_000, 'resolved event');
    expect(seen).toEqual([
      { reportId: id, status: 'open', change: 'comment' },
      { reportId: id, status: 'in_review', change: 'status' },
      { reportId: id, status: 'resolved', change: 'status' },
    ]);
    expect(bobSeen).toEqual([]);

    const mine = await call(t, 'GET', `/api/v1/reports/${id}`, { token: alice.accessToken });
    expect(mine.body).toMatchObject({ status: 'resolved', resolution: 'Message author warned' });
    expect(mine.body).not.toHaveProperty('messageSnapshot');
    const events = mine.body.events as Json[];
    expect(events.map((e): unknown => [e.kind, e.body])).toEqual([
      ['created', null],
      ['comment', 'Thanks, we are on it'],
      ['status_changed', null],
      ['status_changed', 'Message author warned'],
    ]);
    expect(events.filter((e) => !e.byReporter).every((e) => e.actorId === null)).toBe(true);

    const dismissed = await report(alice, { type: 'message', messageId, reason: 'spam' });
    const dismiss = await admin('PATCH', `/${dismissed.body.id as string}`, {
      status: 'dismissed',
      resolution: 'Not a violation',
    });
    expect([dismiss.status, dismiss.body.status]).toEqual([200, 'dismissed']);
    const missing = await admin('GET', '/00000000-0000-4000-8000-000000000000');
    expect([missing.status, missing.body.code]).toEqual([404, 'REPORT_NOT_FOUND']);
  });

  it('rejects bad bodies with 400 naming the field', async () => {
    const { orgId, users } = await team(2);
    const [alice, bob] = users;
    const { messageId } = await messageFrom(orgId, users, bob, 'x');
    const cases: [Json, string, string][] = [
      [{}, 'type', 'VALIDATION_FAILED'],
      [{ type: 'rumour' }, 'type', 'VALIDATION_FAILED'],
      [{ type: 'message', reason: 'spam' }, 'messageId', 'VALIDATION_FAILED'],
      [{ type: 'message', messageId: 'nope', reason: 'spam' }, 'messageId', 'VALIDATION_FAILED'],
      [{ type: 'message', messageId }, 'reason', 'VALIDATION_FAILED'],
      [{ type: 'user', userId: bob.id, reason: 'because' }, 'reason', 'VALIDATION_FAILED'],
      [{ type: 'bug', description: 'd' }, 'title', 'VALIDATION_FAILED'],
      [{ type: 'bug', title: 'A bug' }, 'description', 'VALIDATION_FAILED'],
      [{ type: 'bug', title: 'A bug', description: 'x'.repeat(5001) }, 'description', 'VALIDATION_FAILED'],
      [{ type: 'message', messageId, reason: 'spam', title: 'no' }, 'title', 'REPORT_FIELD_NOT_ALLOWED'],
      [{ type: 'bug', title: 'A bug', description: 'd', reason: 'spam' }, 'reason', 'REPORT_FIELD_NOT_ALLOWED'],
      [{ type: 'user', userId: bob.id, reason: 'spam', messageId }, 'messageId', 'REPORT_FIELD_NOT_ALLOWED'],
      [{ type: 'bug', title: 'A bug', description: 'd', extra: 1 }, 'extra', 'VALIDATION_FAILED'],
    ];
    for (const [body, field, code] of cases) {
      const res = await report(alice, body);
      const details = res.body.details as Json | Json[];
      const fields = Array.isArray(details) ? details.map((d) => d.field as string) : [details.field as string];
      expect([JSON.stringify(body).slice(0, 60), res.status, res.body.code, fields]).toEqual([
        JSON.stringify(body).slice(0, 60),
        400,
        code,
        [field],
      ]);
    }
    const filed = await report(alice, { type: 'bug', title: 'A bug', description: 'd' });
    const badStatus = await admin('PATCH', `/${filed.body.id as string}`, { status: 'closed' });
    expect([badStatus.status, badStatus.body.details[0].field]).toEqual([400, 'status']);
    const badComment = await admin('POST', `/${filed.body.id as string}/comments`, { body: '' });
    expect([badComment.status, badComment.body.details[0].field]).toEqual([400, 'body']);
  });

  it('limits how many reports one user files per hour (429)', async () => {
    const limited = await startTestApp({ REPORTS_PER_HOUR: '2' });
    try {
      const user = await registerUser(limited);
      const file = () =>
        call(limited, 'POST', '/api/v1/reports', {
          token: user.accessToken,
          body: { type: 'bug', title: 'Bug', description: 'd' },
        });
      expect((await file()).status).toBe(201);
      expect((await file()).status).toBe(201);
      const third = await file();
      expect([third.status, third.body.code]).toEqual([429, 'REPORT_RATE_LIMITED']);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
      const other = await registerUser(limited);
      const theirs = await call(limited, 'POST', '/api/v1/reports', {
        token: other.accessToken,
        body: { type: 'bug', title: 'Bug', description: 'd' },
      });
      expect(theirs.status).toBe(201);
    } finally {
      await limited.close();
    }
  });
});

import { MikroORM } from '@mikro-orm/postgresql';
import { createHmac } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { Membership, OrgRole } from 'src/modules/organizations/membership.entity';
import { Organization, Plan } from 'src/modules/organizations/organization.entity';
import type { RealtimeEventName, RealtimeEvents } from 'src/realtime/events';
import { connectSocket, createTeam } from '../support/chat-fixtures';
import { call, eventually, inOrg, startTestApp, type TestApp, type TestUser } from '../support/test-app';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../support/webhook-receiver';

type Json = Record<string, any>;

/** Standard Webhooks verification written from the specification, independent of the server's own code. */
function verify(secret: string, hook: ReceivedWebhook): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const id = hook.headers['webhook-id'] as string;
  const timestamp = hook.headers['webhook-timestamp'] as string;
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${hook.body}`).digest('base64');
  return (hook.headers['webhook-signature'] as string).split(' ').includes(`v1,${expected}`);
}

describe('notifications: chat mentions, the notification list, /notifications events, chat webhooks and send rate', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await startTestApp({ WEBHOOK_RETRY_SCHEDULE: '0ms', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) {
      socket.disconnect();
    }
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  /** An organization owned by the first user, with the others as members. */
  const team = (app: TestApp, size: number) => createTeam(app, size, 'Notify');

  const as = (user: TestUser, orgId: string, body?: unknown) => ({ ...inOrg(user, orgId), body });

  async function group(orgId: string, admin: TestUser, members: TestUser[]): Promise<string> {
    const res = await call(
      t,
      'POST',
      '/api/v1/chat/conversations',
      as(admin, orgId, { type: 'group', title: 'Team', memberIds: members.map((m) => m.id) }),
    );
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  const send = (app: TestApp, user: TestUser, orgId: string, conversationId: string, body: string) =>
    call(app, 'POST', `/api/v1/chat/conversations/${conversationId}/messages`, as(user, orgId, { body }));

  const edit = (user: TestUser, orgId: string, conversationId: string, messageId: string, body: string) =>
    call(t, 'PATCH', `/api/v1/chat/conversations/${conversationId}/messages/${messageId}`, as(user, orgId, { body }));

  const list = async (user: TestUser, query = ''): Promise<Json> => {
    const res = await call(t, 'GET', `/api/v1/notifications${query}`, { token: user.accessToken });
    expect(res.status).toBe(200);
    return res.body as Json;
  };

  const unread = async (user: TestUser): Promise<number> => {
    const res = await call(t, 'GET', '/api/v1/notifications/unread/count', { token: user.accessToken });
    expect(res.status).toBe(200);
    return res.body.count as number;
  };

  async function connect(user: TestUser): Promise<Socket> {
    const socket = await connectSocket(t, user, '/notifications');
    sockets.push(socket);
    return socket;
  }

  function record<E extends RealtimeEventName>(socket: Socket, event: E): RealtimeEvents[E][] {
    const seen: RealtimeEvents[E][] = [];
    const name: string = event;
    socket.on(name, (payload: RealtimeEvents[E]) => seen.push(payload));
    return seen;
  }

  /** Nothing more arrives: waits long enough for an event published through Redis to have come. */
  const quiet = () => new Promise((resolve) => setTimeout(resolve, 600));

  it('notifies mentioned members once, in the list and on /notifications, and never the author or outsiders', async () => {
    const { orgId, users } = await team(t, 4);
    const [a, b, c, outsider] = users;
    const conversationId = await group(orgId, a, [b, c]);
    const [socketB, socketC] = [await connect(b), await connect(c)];
    const createdB = record(socketB, 'notification.created');
    const createdC = record(socketC, 'notification.created');

    const sent = await send(t, a, orgId, conversationId, `Hi @${b.username.toUpperCase()}, see @${b.username}.`);
    expect(sent.status).toBe(201);
    expect(sent.body.mentions).toEqual([b.id]);

    const event = await eventually(() => createdB[0], 10_000, 'notification.created for B');
    expect(event).toMatchObject({
      type: 'chat.mention',
      organizationId: orgId,
      readAt: null,
      data: { conversationId, messageId: sent.body.id, authorId: a.id },
    });
    expect(event.title).toContain('mentioned you in Team');
    const listed = await list(b);
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]).toEqual(event);
    expect(await unread(b)).toBe(1);
    await quiet();
    expect(createdB).toHaveLength(1);
    expect(createdC).toHaveLength(0);
    expect((await list(c)).items).toHaveLength(0);

    // A non-member and the author themself: stored as nobody, notified nobody.
    const stray = await send(t, a, orgId, conversationId, `@${outsider.username} and me @${a.username}`);
    expect(stray.body.mentions).toEqual([a.id]);
    expect((await list(outsider)).items).toHaveLength(0);
    expect((await list(a)).items).toHaveLength(0);

    // An email address or an unknown handle is not a mention.
    const plain = await send(t, a, orgId, conversationId, `write to x@${c.username}.com or @nobody-here`);
    expect(plain.body.mentions).toEqual([]);

    // Editing to add @c notifies C once; B (already notified) not again; re-editing notifies nobody.
    const edited = await edit(a, orgId, conversationId, sent.body.id, `Hi @${b.username} and @${c.username}`);
    expect(edited.status).toBe(200);
    expect(edited.body.mentions).toEqual([b.id, c.id]);
    await eventually(() => createdC[0], 10_000, 'notification.created for C');
    const removed = await edit(a, orgId, conversationId, sent.body.id, 'Hi all');
    expect(removed.body.mentions).toEqual([]);
    await edit(a, orgId, conversationId, sent.body.id, `Hi @${b.username} and @${c.username} again`);
    await quiet();
    expect(createdB).toHaveLength(1);
    expect(createdC).toHaveLength(1);
    expect((await list(c)).items).toHaveLength(1);
    expect(await unread(b)).toBe(1);

    // The message list carries the mentions too.
    const messages = await call(t, 'GET', `/api/v1/chat/conversations/${conversationId}/messages`, inOrg(b, orgId));
    expect((messages.body.items as Json[]).find((m) => m.id === sent.body.id)?.mentions).toEqual([b.id, c.id]);
  });

  it('respects the chat in-app preference', async () => {
    const { orgId, users } = await team(t, 2);
    const [a, b] = users;
    const conversationId = await group(orgId, a, [b]);
    const off = await call(t, 'PATCH', '/api/v1/settings/notifications', {
      token: b.accessToken,
      body: { categories: { chat: { inApp: false } } },
    });
    expect(off.status).toBe(200);
    const sent = await send(t, a, orgId, conversationId, `@${b.username} ping`);
    expect(sent.body.mentions).toEqual([b.id]);
    expect(await unread(b)).toBe(0);
  });

  it('marks read (idempotent, own only), reads all, and tells the other tabs', async () => {
    const { orgId, users } = await team(t, 3);
    const [a, b, c] = users;
    const conversationId = await group(orgId, a, [b, c]);
    for (let i = 0; i < 3; i++) {
      await send(t, a, orgId, conversationId, `@${b.username} number ${i}`);
    }
    const otherTab = await connect(b);
    const reads = record(otherTab, 'notification.read');
    const [newest, middle, oldest] = (await list(b)).items as Json[];
    expect(await unread(b)).toBe(3);

    for (const user of [c, a]) {
      const foreign = await call(t, 'PUT', `/api/v1/notifications/${oldest.id}/read`, { token: user.accessToken });
      expect([foreign.status, foreign.body.code]).toEqual([404, 'NOTIFICATION_NOT_FOUND']);
      const gone = await call(t, 'DELETE', `/api/v1/notifications/${oldest.id}`, { token: user.accessToken });
      expect(gone.status).toBe(404);
    }
    const first = await call(t, 'PUT', `/api/v1/notifications/${oldest.id}/read`, { token: b.accessToken });
    expect(first.status).toBe(200);
    expect(first.body.readAt).toEqual(expect.any(String));
    const again = await call(t, 'PUT', `/api/v1/notifications/${oldest.id}/read`, { token: b.accessToken });
    expect(again.body.readAt).toBe(first.body.readAt);
    expect(await unread(b)).toBe(2);
    const read = await eventually(() => reads[0], 10_000, 'notification.read');
    expect(read).toEqual({ ids: [oldest.id], readAt: first.body.readAt, unreadCount: 2 });

    expect((await list(b, '?unread=true')).items.map((n: Json) => n.id as string)).toEqual([newest.id, middle.id]);

    // Up to the middle one: the newest stays unread.
    const upTo = await call(t, 'POST', '/api/v1/notifications/read-all', {
      token: b.accessToken,
      body: { upToId: middle.id },
    });
    expect([upTo.status, upTo.body.updated]).toEqual([200, 1]);
    const foreignUpTo = await call(t, 'POST', '/api/v1/notifications/read-all', {
      token: c.accessToken,
      body: { upToId: newest.id },
    });
    expect([foreignUpTo.status, foreignUpTo.body.code]).toEqual([404, 'NOTIFICATION_NOT_FOUND']);
    const all = await call(t, 'POST', '/api/v1/notifications/read-all', { token: b.accessToken, body: {} });
    expect(all.body.updated).toBe(1);
    expect(await unread(b)).toBe(0);
    await eventually(() => (reads.length >= 3 ? true : undefined), 10_000, 'three notification.read events');
    expect(reads[2]).toMatchObject({ ids: [newest.id], unreadCount: 0 });
    const none = await call(t, 'POST', '/api/v1/notifications/read-all', { token: b.accessToken, body: {} });
    expect(none.body.updated).toBe(0);

    const deleted = await call(t, 'DELETE', `/api/v1/notifications/${newest.id}`, { token: b.accessToken });
    expect(deleted.status).toBe(204);
    expect((await list(b)).items).toHaveLength(2);
  });

  it('pages newest first with a keyset cursor and filters by organization', async () => {
    const { orgId, users } = await team(t, 2);
    const [a, b] = users;
    const conversationId = await group(orgId, a, [b]);
    const other = await team(t, 1);
    const em = t.app.get(MikroORM).em.fork();
    em.create(Membership, { organization: other.orgId, user: b.id, role: OrgRole.Member });
    await em.flush();
    const elsewhere = await group(other.orgId, other.users[0], [b]);
    for (let i = 0; i < 5; i++) {
      await send(t, a, orgId, conversationId, `@${b.username} ${i}`);
    }
    await send(t, other.users[0], other.orgId, elsewhere, `@${b.username} from elsewhere`);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Json = await list(b, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...(page.items as Json[]).map((n) => n.body as string));
      cursor = page.nextCursor as string | null;
    } while (cursor);
    expect(seen).toEqual([`@${b.username} from elsewhere`, ...[4, 3, 2, 1, 0].map((i) => `@${b.username} ${i}`)]);
    const scoped = await list(b, `?organizationId=${other.orgId}`);
    expect(scoped.items).toHaveLength(1);
    const count = await call(t, 'GET', `/api/v1/notifications/unread/count?organizationId=${orgId}`, {
      token: b.accessToken,
    });
    expect(count.body.count).toBe(5);

    const bad = await call(t, 'GET', '/api/v1/notifications?cursor=nonsense', { token: b.accessToken });
    expect([bad.status, bad.body.code]).toEqual([400, 'NOTIFICATION_INVALID_CURSOR']);
    const unauthenticated = await call(t, 'GET', '/api/v1/notifications');
    expect(unauthenticated.status).toBe(401);
  });

  it('sends signed chat webhooks: conversation created, message created, updated and deleted', async () => {
    const { orgId, users } = await team(t, 2);
    const [a, b] = users;
    await t.app.get(MikroORM).em.fork().nativeUpdate(Organization, { id: orgId }, { plan: Plan.Pro });
    const path = `/chat-${orgId}`;
    const endpoint = await call(t, 'POST', '/api/v1/webhooks/endpoints', {
      ...inOrg(a, orgId),
      body: {
        url: `${receiver.url}${path}`,
        eventTypes: [
          'chat.conversation.created',
          'chat.message.created',
          'chat.message.updated',
          'chat.message.deleted',
        ],
      },
    });
    expect(endpoint.status).toBe(201);
    const secret = endpoint.body.secret as string;

    const conversationId = await group(orgId, a, [b]);
    const sent = await send(t, a, orgId, conversationId, `hello @${b.username}`);
    await edit(a, orgId, conversationId, sent.body.id, 'hello again');
    const removed = await call(
      t,
      'DELETE',
      `/api/v1/chat/conversations/${conversationId}/messages/${sent.body.id}`,
      inOrg(a, orgId),
    );
    expect(removed.status).toBe(204);

    const hooks = await eventually(
      () => {
        const mine = receiver.received.filter((r) => r.path === path);
        return mine.length >= 4 ? mine : undefined;
      },
      15_000,
      'four chat webhooks',
    );
    for (const hook of hooks) {
      expect(verify(secret, hook)).toBe(true);
    }
    const bodies = hooks.map((h) => JSON.parse(h.body) as Json);
    const byType = (type: string) => bodies.find((x) => x.type === type)?.data as Json;
    expect(byType('chat.conversation.created')).toMatchObject({
      conversationId,
      type: 'group',
      title: 'Team',
      createdById: a.id,
      memberIds: [a.id, b.id],
    });
    expect(byType('chat.message.created')).toEqual({
      conversationId,
      conversationType: 'group',
      id: sent.body.id,
      authorId: a.id,
      body: `hello @${b.username}`,
      replyToId: null,
      mentions: [b.id],
      createdAt: sent.body.createdAt,
    });
    expect(byType('chat.message.updated')).toMatchObject({ id: sent.body.id, body: 'hello again', mentions: [] });
    expect(byType('chat.message.deleted')).toMatchObject({ conversationId, id: sent.body.id, deletedById: a.id });
  });

  it('limits chat sends per user and minute with 429 and Retry-After', async () => {
    const limited = await startTestApp({ CHAT_SEND_RATE_PER_MINUTE: '3' });
    try {
      const { orgId, users } = await team(limited, 2);
      const [a, b] = users;
      const created = await call(
        limited,
        'POST',
        '/api/v1/chat/conversations',
        as(a, orgId, { type: 'direct', memberIds: [b.id] }),
      );
      const conversationId = created.body.id as string;
      // At most 3 per minute window: 7 sends cannot all pass, even across a window boundary.
      const statuses: number[] = [];
      let refused: Awaited<ReturnType<typeof send>> | undefined;
      for (let i = 0; i < 7; i++) {
        const res = await send(limited, a, orgId, conversationId, `message ${i}`);
        statuses.push(res.status);
        refused ??= res.status === 429 ? res : undefined;
      }
      expect(statuses.filter((s) => s === 201).length).toBeLessThanOrEqual(6);
      expect(refused?.body.code).toBe('CHAT_SEND_RATE_LIMITED');
      const retryAfter = Number(refused?.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // Another user is not affected.
      expect((await send(limited, b, orgId, conversationId, 'still fine')).status).toBe(201);
    } finally {
      await limited.close();
    }
  });
});

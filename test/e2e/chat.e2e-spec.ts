import { io, type Socket } from 'socket.io-client';
import type { ChatEventName, ChatEvents } from 'src/modules/chat/chat.events';
import { connectSocket, createTeam } from '../support/chat-fixtures';
import { call, eventually, inOrg, registerUser, startTestApp, type TestApp, type TestUser } from '../support/test-app';

type Json = Record<string, any>;

describe('chat: conversations, messages, read state, search and the /chat namespace', () => {
  let a: TestApp;
  let b: TestApp;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // Two API nodes on the same PostgreSQL and Redis, like a cluster of two.
    [a, b] = await Promise.all([startTestApp(), startTestApp()]);
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) {
      socket.disconnect();
    }
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  /** An organization owned by the first user, with the others as members. */
  const team = (size: number) => createTeam(a, size, 'Chat');

  const as = (user: TestUser, orgId: string, body?: unknown, headers: Record<string, string> = {}) => {
    const options = inOrg(user, orgId);
    return { ...options, headers: { ...options.headers, ...headers }, body };
  };

  async function group(orgId: string, admin: TestUser, members: TestUser[], title = 'Team'): Promise<string> {
    const res = await call(
      a,
      'POST',
      '/api/v1/chat/conversations',
      as(admin, orgId, { type: 'group', title, memberIds: members.map((m) => m.id) }),
    );
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  const send = (t: TestApp, user: TestUser, orgId: string, conversationId: string, body: Json, key?: string) =>
    call(
      t,
      'POST',
      `/api/v1/chat/conversations/${conversationId}/messages`,
      as(user, orgId, body, key ? { 'idempotency-key': key } : {}),
    );

  async function connect(t: TestApp, user: TestUser): Promise<Socket> {
    const socket = await connectSocket(t, user, '/chat');
    sockets.push(socket);
    return socket;
  }

  function record<E extends ChatEventName>(socket: Socket, event: E): ChatEvents[E][] {
    const seen: ChatEvents[E][] = [];
    const name: string = event;
    socket.on(name, (payload: ChatEvents[E]) => seen.push(payload));
    return seen;
  }

  const arrived = <T>(seen: T[], match: (item: T) => boolean, what: string): Promise<T> =>
    eventually(() => seen.find(match), 10_000, what);

  /** Nothing more arrives: waits long enough for an event published through Redis to have come. */
  const quiet = () => new Promise((resolve) => setTimeout(resolve, 600));

  it('refuses a /chat handshake without a token', async () => {
    const socket = io(`${a.baseUrl}/chat`, { transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(socket);
    const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
    expect(error.message).toBe('AUTH_UNAUTHENTICATED');
  });

  it('disconnects /chat sockets when their session ends', async () => {
    const user = await registerUser(a);
    const socket = await connect(b, user);
    const reason = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    expect((await call(a, 'POST', '/api/v1/auth/logout', { token: user.accessToken })).status).toBe(204);
    expect(await reason).toBe('io server disconnect');
  });

  it('creates direct conversations idempotently, only with organization members', async () => {
    const { orgId, users } = await team(2);
    const [alice, bob] = users;
    const outsider = await registerUser(a);
    const first = await call(
      a,
      'POST',
      '/api/v1/chat/conversations',
      as(alice, orgId, { type: 'direct', memberIds: [bob.id] }),
    );
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ type: 'direct', title: null, myRole: 'member' });
    expect((first.body.members as Json[]).map((m) => m.userId as string).sort()).toEqual([alice.id, bob.id].sort());
    const again = await call(
      a,
      'POST',
      '/api/v1/chat/conversations',
      as(bob, orgId, { type: 'direct', memberIds: [alice.id] }),
    );
    expect([again.status, again.body.id]).toEqual([200, first.body.id]);

    const stranger = await call(
      a,
      'POST',
      '/api/v1/chat/conversations',
      as(alice, orgId, { type: 'direct', memberIds: [outsider.id] }),
    );
    expect([stranger.status, stranger.body.code]).toEqual([400, 'CHAT_NOT_ORG_MEMBER']);
    const self = await call(
      a,
      'POST',
      '/api/v1/chat/conversations',
      as(alice, orgId, { type: 'direct', memberIds: [alice.id] }),
    );
    expect([self.status, self.body.code]).toEqual([400, 'CHAT_INVALID_PARTICIPANTS']);
    const invalid = await call(
      a,
      'POST',
      '/api/v1/chat/conversations',
      as(alice, orgId, { type: 'group', memberIds: ['nope'] }),
    );
    expect(invalid.status).toBe(400);
    const fields = (invalid.body.details as Json[]).map((d) => d.field as string);
    expect(fields).toEqual(expect.arrayContaining(['title', 'memberIds']));
  });

  it('delivers a message to members’ sockets only, and never for a rolled-back send', async () => {
    const { orgId, users } = await team(3);
    const [alice, bob, carol] = users;
    const conversationId = await group(orgId, alice, [bob]);
    const other = await group(orgId, alice, [carol], 'Other');
    const elsewhere = await send(a, alice, orgId, other, { body: 'in another conversation' });

    const bobSocket = await connect(a, bob);
    const carolSocket = await connect(a, carol);
    const toBob = record(bobSocket, 'message.created');
    const toCarol = record(carolSocket, 'message.created');

    const sent = await send(a, alice, orgId, conversationId, { body: 'hello bob' });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ conversationId, authorId: alice.id, body: 'hello bob', deleted: false });
    await arrived(toBob, (m) => m.id === sent.body.id, 'message.created at bob');

    // A reply pointing into another conversation fails inside the transaction, after the insert: nothing is stored
    // and nothing is emitted.
    const bad = await send(a, alice, orgId, conversationId, {
      body: 'this must roll back',
      replyToId: elsewhere.body.id,
    });
    expect([bad.status, bad.body.code]).toEqual([400, 'CHAT_REPLY_NOT_IN_CONVERSATION']);
    const missing = await send(a, alice, orgId, conversationId, {
      body: 'reply to nothing',
      replyToId: '00000000-0000-4000-8000-000000000000',
    });
    expect([missing.status, missing.body.code]).toEqual([400, 'CHAT_REPLY_NOT_IN_CONVERSATION']);
    await quiet();
    expect(toBob.map((m) => m.body)).toEqual(['hello bob']);
    expect(toCarol).toEqual([]);
    const listed = await call(a, 'GET', `/api/v1/chat/conversations/${conversationId}/messages`, as(bob, orgId));
    expect((listed.body.items as Json[]).map((m) => m.body as string)).toEqual(['hello bob']);

    // A valid reply, an edit and a delete reach bob too.
    const updates = record(bobSocket, 'message.updated');
    const deletions = record(bobSocket, 'message.deleted');
    const reply = await send(a, bob, orgId, conversationId, { body: 'hi!', replyToId: sent.body.id });
    expect([reply.status, reply.body.replyToId]).toEqual([201, sent.body.id]);
    const notMine = await call(
      a,
      'PATCH',
      `/api/v1/chat/conversations/${conversationId}/messages/${sent.body.id}`,
      as(bob, orgId, { body: 'hacked' }),
    );
    expect([notMine.status, notMine.body.code]).toEqual([403, 'CHAT_NOT_AUTHOR']);
    const edited = await call(
      a,
      'PATCH',
      `/api/v1/chat/conversations/${conversationId}/messages/${sent.body.id}`,
      as(alice, orgId, { body: 'hello bob (edited)' }),
    );
    expect(edited.body.editedAt).toEqual(expect.any(String));
    await arrived(updates, (m) => m.body === 'hello bob (edited)', 'message.updated');
    // The group admin may delete bob's message.
    const removed = await call(
      a,
      'DELETE',
      `/api/v1/chat/conversations/${conversationId}/messages/${reply.body.id}`,
      as(alice, orgId),
    );
    expect(removed.status).toBe(204);
    await arrived(deletions, (d) => d.id === reply.body.id, 'message.deleted');
    const after = await call(a, 'GET', `/api/v1/chat/conversations/${conversationId}/messages`, as(bob, orgId));
    expect(after.body.items[0]).toMatchObject({ id: reply.body.id, body: '', deleted: true });
  });

  it('answers 404 to non-members on the conversation and its messages', async () => {
    const { orgId, users } = await team(3);
    const [alice, bob, carol] = users;
    const conversationId = await group(orgId, alice, [bob]);
    for (const [method, path, body] of [
      ['GET', `/api/v1/chat/conversations/${conversationId}`, undefined],
      ['GET', `/api/v1/chat/conversations/${conversationId}/messages`, undefined],
      ['POST', `/api/v1/chat/conversations/${conversationId}/messages`, { body: 'let me in' }],
      ['PUT', `/api/v1/chat/conversations/${conversationId}/read`, { messageId: conversationId }],
    ] as const) {
      const res = await call(a, method, path, as(carol, orgId, body));
      expect([method, path, res.status, res.body.code]).toEqual([method, path, 404, 'CHAT_CONVERSATION_NOT_FOUND']);
    }
    const search = await call(a, 'GET', `/api/v1/chat/search?q=anything`, as(carol, orgId));
    expect(search.body.items).toEqual([]);
  });

  it('stores a retried send once (Idempotency-Key header or clientMessageId) and answers 200 to the retry', async () => {
    const { orgId, users } = await team(2);
    const [alice, bob] = users;
    const conversationId = await group(orgId, alice, [bob]);
    const first = await send(a, alice, orgId, conversationId, { body: 'once' }, 'key-1');
    const retries = await Promise.all([
      send(a, alice, orgId, conversationId, { body: 'once' }, 'key-1'),
      send(b, alice, orgId, conversationId, { body: 'once' }, 'key-1'),
    ]);
    expect(first.status).toBe(201);
    expect(retries.map((r) => [r.status, r.body.id as string])).toEqual([
      [200, first.body.id],
      [200, first.body.id],
    ]);
    // Racing first attempts with a fresh key: one stored, both answered with it.
    const raced = await Promise.all([
      send(a, alice, orgId, conversationId, { body: 'race', clientMessageId: 'key-2' }),
      send(b, alice, orgId, conversationId, { body: 'race', clientMessageId: 'key-2' }),
    ]);
    expect(raced.map((r) => r.status).sort()).toEqual([200, 201]);
    expect(raced[0].body.id).toBe(raced[1].body.id);
    const listed = await call(a, 'GET', `/api/v1/chat/conversations/${conversationId}/messages`, as(alice, orgId));
    expect((listed.body.items as Json[]).map((m) => m.body as string)).toEqual(['race', 'once']);
  });

  it('pages messages both ways with before/after, and catches up with since', async () => {
    const { orgId, users } = await team(2);
    const [alice, bob] = users;
    const conversationId = await group(orgId, alice, [bob]);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push((await send(a, alice, orgId, conversationId, { body: `m${i}` })).body.id as string);
    }
    const page = (query: string) =>
      call(a, 'GET', `/api/v1/chat/conversations/${conversationId}/messages?${query}`, as(bob, orgId)).then(
        (res) => res.body as Json,
      );
    const newest = await page('limit=3');
    expect((newest.items as Json[]).map((m) => m.body as string)).toEqual(['m6', 'm5', 'm4']);
    expect(newest.hasMore).toBe(true);
    const older = await page(`limit=3&before=${newest.nextCursor}`);
    expect((older.items as Json[]).map((m) => m.body as string)).toEqual(['m3', 'm2', 'm1']);
    const oldest = await page(`limit=3&before=${older.nextCursor}`);
    expect([(oldest.items as Json[]).map((m) => m.body as string), oldest.hasMore]).toEqual([['m0'], false]);
    const forward = await page(`limit=4&after=${ids[1]}`);
    expect((forward.items as Json[]).map((m) => m.body as string)).toEqual(['m2', 'm3', 'm4', 'm5']);
    const rest = await page(`limit=4&after=${forward.nextCursor}`);
    expect([(rest.items as Json[]).map((m) => m.body as string), rest.hasMore]).toEqual([['m6'], false]);

    const mark = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await send(a, alice, orgId, conversationId, { body: 'while away' });
    await call(
      a,
      'PATCH',
      `/api/v1/chat/conversations/${conversationId}/messages/${ids[0]}`,
      as(alice, orgId, { body: 'm0 edited' }),
    );
    const caughtUp = await page(`since=${encodeURIComponent(mark)}`);
    expect((caughtUp.items as Json[]).map((m) => m.body as string)).toEqual(['m0 edited', 'while away']);

    const foreign = await call(
      a,
      'GET',
      `/api/v1/chat/conversations/${conversationId}/messages?before=${conversationId}`,
      as(bob, orgId),
    );
    expect([foreign.status, foreign.body.code]).toEqual([400, 'CHAT_INVALID_CURSOR']);
  });

  it('counts unread, marks read with receipts to the others, and lists conversations with the last message', async () => {
    const { orgId, users } = await team(2);
    const [alice, bob] = users;
    const first = await group(orgId, alice, [bob], 'First');
    const second = await group(orgId, alice, [bob], 'Second');
    const m1 = await send(a, alice, orgId, first, { body: 'one' });
    await send(a, alice, orgId, first, { body: 'two' });
    await send(a, alice, orgId, second, { body: 'three' });

    const unread = await call(a, 'GET', '/api/v1/chat/messages/unread/count', as(bob, orgId));
    expect(unread.body.total).toBe(3);
    expect(unread.body.conversations).toEqual(
      expect.arrayContaining([
        { conversationId: first, count: 2 },
        { conversationId: second, count: 1 },
      ]),
    );
    expect((await call(a, 'GET', '/api/v1/chat/messages/unread/count', as(alice, orgId))).body.total).toBe(0);

    const list = await call(a, 'GET', '/api/v1/chat/conversations?limit=1', as(bob, orgId));
    expect(list.body.items[0]).toMatchObject({ id: second, unreadCount: 1, lastMessage: { body: 'three' } });
    const next = await call(
      a,
      'GET',
      `/api/v1/chat/conversations?limit=1&cursor=${list.body.nextCursor}`,
      as(bob, orgId),
    );
    expect(next.body.items[0]).toMatchObject({ id: first, unreadCount: 2, lastMessage: { body: 'two' } });

    const aliceSocket = await connect(a, alice);
    const receipts = record(aliceSocket, 'read');
    const read = await call(
      a,
      'PUT',
      `/api/v1/chat/conversations/${first}/read`,
      as(bob, orgId, { messageId: m1.body.id }),
    );
    expect(read.body).toMatchObject({ lastReadMessageId: m1.body.id, unreadCount: 1 });
    await arrived(receipts, (r) => r.userId === bob.id && r.messageId === m1.body.id, 'read receipt at alice');

    const all = await call(a, 'POST', '/api/v1/chat/messages/read-all', as(bob, orgId));
    expect(all.body).toEqual({ conversations: 2 });
    expect((await call(a, 'GET', '/api/v1/chat/messages/unread/count', as(bob, orgId))).body).toEqual({
      total: 0,
      conversations: [],
    });

    const archived = await call(
      a,
      'PATCH',
      `/api/v1/chat/conversations/${first}/membership`,
      as(bob, orgId, { archived: true, muted: true }),
    );
    expect(archived.body).toMatchObject({ archived: true, muted: true });
    const active = await call(a, 'GET', '/api/v1/chat/conversations', as(bob, orgId));
    expect((active.body.items as Json[]).map((c) => c.id as string)).toEqual([second]);
  });

  it('relays typing to the other members, throttled to one per 2 s', async () => {
    const { orgId, users } = await team(3);
    const [alice, bob, carol] = users;
    const conversationId = await group(orgId, alice, [bob]);
    const aliceSocket = await connect(a, alice);
    const bobSocket = await connect(b, bob);
    const carolSocket = await connect(a, carol);
    const atBob = record(bobSocket, 'typing');
    const atAlice = record(aliceSocket, 'typing');

    const first = (await aliceSocket.timeout(5000).emitWithAck('typing', { conversationId })) as Json;
    const second = (await aliceSocket.timeout(5000).emitWithAck('typing', { conversationId })) as Json;
    expect(first).toEqual({ ok: true });
    expect(second).toEqual({ ok: true, throttled: true });
    await arrived(atBob, (e) => e.userId === alice.id, 'typing at bob');
    expect(atBob[0]).toEqual({ conversationId, userId: alice.id, expiresInMs: 5000 });
    const outsider = (await carolSocket.timeout(5000).emitWithAck('typing', { conversationId })) as Json;
    expect(outsider).toEqual({ ok: false, code: 'CHAT_CONVERSATION_NOT_FOUND' });
    await quiet();
    expect(atBob).toHaveLength(1);
    expect(atAlice).toEqual([]);
  });

  it('delivers a message sent through node 1 to a socket on node 2, also in a conversation made after connecting', async () => {
    const { orgId, users } = await team(2);
    const [alice, bob] = users;
    const bobSocket = await connect(b, bob);
    const created = record(bobSocket, 'message.created');
    const changes = record(bobSocket, 'conversation.updated');
    const conversationId = await group(orgId, alice, [bob]);
    await arrived(changes, (c) => c.conversationId === conversationId, 'conversation.updated at bob');
    const sent = await send(a, alice, orgId, conversationId, { body: 'across nodes' });
    await arrived(created, (m) => m.id === sent.body.id, 'message.created on node 2');

    // Removed from the group: nothing more arrives.
    const removed = await call(
      a,
      'DELETE',
      `/api/v1/chat/conversations/${conversationId}/members/${bob.id}`,
      as(alice, orgId),
    );
    expect(removed.status).toBe(204);
    await arrived(changes, (c) => c.reason === 'member_removed', 'member_removed at bob');
    await send(a, alice, orgId, conversationId, { body: 'after removal' });
    await quiet();
    expect(created.map((m) => m.body)).toEqual(['across nodes']);
  });

  it('takes a user removed from the organization out of its conversations, sockets included', async () => {
    const { orgId, users } = await team(3);
    const [alice, bob, carol] = users;
    const conversationId = await group(orgId, alice, [bob, carol]);
    const bobSocket = await connect(b, bob);
    const created = record(bobSocket, 'message.created');
    expect((await call(a, 'DELETE', `/api/v1/team/members/${bob.id}`, as(alice, orgId))).status).toBe(204);
    const after = await call(a, 'GET', `/api/v1/chat/conversations/${conversationId}`, as(alice, orgId));
    expect((after.body.members as Json[]).map((m) => m.userId as string).sort()).toEqual([alice.id, carol.id].sort());
    await quiet();
    await send(a, alice, orgId, conversationId, { body: 'bob is gone' });
    await quiet();
    expect(created).toEqual([]);
  });

  it('reports presence: online with the first socket, offline only after the last of two closes', async () => {
    const { orgId, users } = await team(2);
    const [alice, bob] = users;
    await group(orgId, alice, [bob]);
    const aliceSocket = await connect(a, alice);
    const presence = record(aliceSocket, 'presence');
    const bob1 = await connect(a, bob);
    await arrived(presence, (p) => p.userId === bob.id && p.status === 'online', 'bob online');
    const bob2 = await connect(b, bob);
    const online = (await aliceSocket.timeout(5000).emitWithAck('presence.query', { userIds: [bob.id] })) as Json;
    expect(online).toEqual({ ok: true, online: [bob.id] });

    bob1.disconnect();
    await quiet();
    expect(presence.filter((p) => p.userId === bob.id).map((p) => p.status)).toEqual(['online']);
    bob2.disconnect();
    await arrived(presence, (p) => p.userId === bob.id && p.status === 'offline', 'bob offline');
    const offline = (await aliceSocket.timeout(5000).emitWithAck('presence.query', { userIds: [bob.id] })) as Json;
    expect(offline).toEqual({ ok: true, online: [] });
  });

  it('searches messages of my conversations only', async () => {
    const { orgId, users } = await team(3);
    const [alice, bob, carol] = users;
    const shared = await group(orgId, alice, [bob]);
    const secret = await group(orgId, alice, [carol], 'Secret');
    await send(a, alice, orgId, shared, { body: 'the quarterly budget review is friday' });
    await send(a, alice, orgId, secret, { body: 'budget surprise party for bob' });
    const found = await call(a, 'GET', '/api/v1/chat/search?q=budget', as(bob, orgId));
    expect((found.body.items as Json[]).map((m) => m.body as string)).toEqual([
      'the quarterly budget review is friday',
    ]);
    const scoped = await call(a, 'GET', `/api/v1/chat/search?q=budget&conversationId=${secret}`, as(alice, orgId));
    expect((scoped.body.items as Json[]).map((m) => m.body as string)).toEqual(['budget surprise party for bob']);
    const blank = await call(a, 'GET', '/api/v1/chat/search?q=', as(bob, orgId));
    expect(blank.status).toBe(400);
  });

  it('lets group admins rename and add members; others get 403', async () => {
    const { orgId, users } = await team(3);
    const [alice, bob, carol] = users;
    const conversationId = await group(orgId, alice, [bob]);
    const denied = await call(
      a,
      'PATCH',
      `/api/v1/chat/conversations/${conversationId}`,
      as(bob, orgId, { title: 'Mine' }),
    );
    expect([denied.status, denied.body.code]).toEqual([403, 'CHAT_ADMIN_REQUIRED']);
    const renamed = await call(
      a,
      'PATCH',
      `/api/v1/chat/conversations/${conversationId}`,
      as(alice, orgId, { title: 'Renamed' }),
    );
    expect(renamed.body.title).toBe('Renamed');
    const added = await call(
      a,
      'POST',
      `/api/v1/chat/conversations/${conversationId}/members`,
      as(alice, orgId, { userIds: [carol.id] }),
    );
    expect((added.body.members as Json[]).map((m) => m.userId as string)).toContain(carol.id);
    // The admin leaves: the longest-standing member becomes admin.
    expect((await call(a, 'POST', `/api/v1/chat/conversations/${conversationId}/leave`, as(alice, orgId))).status).toBe(
      204,
    );
    const after = await call(a, 'GET', `/api/v1/chat/conversations/${conversationId}`, as(bob, orgId));
    expect(after.body.myRole).toBe('admin');
    expect((await call(a, 'GET', `/api/v1/chat/conversations/${conversationId}`, as(alice, orgId))).status).toBe(404);
  });
});

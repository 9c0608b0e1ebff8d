import type { Socket } from 'socket.io-client';
import type { ChatEventName, ChatEvents } from 'src/modules/chat/chat.events';
import { connectSocket, createTeam } from '../support/chat-fixtures';
import { call, eventually, inOrg, startTestApp, type TestApp, type TestUser } from '../support/test-app';

type Json = Record<string, any>;

/**
 * Presence and typing on `/chat` reach only users who share a conversation: `presence.query` answers for them (and
 * the asker) and leaves everyone else out as if offline; `presence` events go to the user's conversations only;
 * `typing` is refused for conversations the typist is not a member of.
 */
describe('chat: presence and typing stay within shared conversations', () => {
  let a: TestApp;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    a = await startTestApp();
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) {
      socket.disconnect();
    }
  });
  afterAll(async () => {
    await a?.close();
  });

  async function connect(user: TestUser): Promise<Socket> {
    const socket = await connectSocket(a, user, '/chat');
    sockets.push(socket);
    return socket;
  }

  function record<E extends ChatEventName>(socket: Socket, event: E): ChatEvents[E][] {
    const seen: ChatEvents[E][] = [];
    const name: string = event;
    socket.on(name, (payload: ChatEvents[E]) => seen.push(payload));
    return seen;
  }

  async function group(orgId: string, admin: TestUser, members: TestUser[]): Promise<string> {
    const res = await call(a, 'POST', '/api/v1/chat/conversations', {
      ...inOrg(admin, orgId),
      body: { type: 'group', title: 'Team', memberIds: members.map((m) => m.id) },
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  const query = async (socket: Socket, userIds: string[]) =>
    (await socket.timeout(5000).emitWithAck('presence.query', { userIds })) as Json;

  /** Nothing more arrives: long enough for an event published through Redis to have come. */
  const quiet = () => new Promise((resolve) => setTimeout(resolve, 600));

  it('answers presence only for users sharing a conversation; others look offline, and get no presence events', async () => {
    // Org A: alice and bob share a group; carol is in the organization but in no conversation with alice.
    const { orgId: orgA, users } = await createTeam(a, 3, 'Presence A');
    const [alice, bob, carol] = users;
    await group(orgA, alice, [bob]);
    // Org B: the stranger, online, in a conversation of their own.
    const { orgId: orgB, users: others } = await createTeam(a, 2, 'Presence B');
    const [stranger, strangersFriend] = others;
    await group(orgB, stranger, [strangersFriend]);

    const aliceSocket = await connect(alice);
    const aliceSees = record(aliceSocket, 'presence');
    await connect(bob);
    await connect(carol);
    await connect(stranger);
    await eventually(() => aliceSees.find((p) => p.userId === bob.id && p.status === 'online'), 10_000, 'bob online');
    await quiet();

    const answer = await query(aliceSocket, [stranger.id, bob.id, carol.id, alice.id]);
    expect(answer).toEqual({ ok: true, online: [bob.id, alice.id] });
    // An id that exists and is online is answered exactly like one that exists nowhere.
    const unknown = await query(aliceSocket, ['00000000-0000-4000-8000-000000000000']);
    expect((await query(aliceSocket, [stranger.id])).online).toEqual(unknown.online);
    expect(unknown).toEqual({ ok: true, online: [] });
    // The stranger's co-member sees them; the stranger cannot see alice.
    const friendSocket = await connect(strangersFriend);
    expect(await query(friendSocket, [stranger.id, alice.id])).toEqual({ ok: true, online: [stranger.id] });

    // Broadcasts: besides her own, alice heard of bob only — not of carol (same organization, no shared
    // conversation), the stranger, or the stranger's friend.
    expect([...new Set(aliceSees.map((p) => p.userId))].filter((id) => id !== alice.id)).toEqual([bob.id]);
  });

  it('answers for a new co-member once a conversation is shared, and stops once it is not', async () => {
    const { orgId, users } = await createTeam(a, 2, 'Presence C');
    const [alice, bob] = users;
    const aliceSocket = await connect(alice);
    await connect(bob);
    expect(await query(aliceSocket, [bob.id])).toEqual({ ok: true, online: [] });

    const conversationId = await group(orgId, alice, [bob]);
    expect(await query(aliceSocket, [bob.id])).toEqual({ ok: true, online: [bob.id] });

    const removed = await call(a, 'DELETE', `/api/v1/chat/conversations/${conversationId}/members/${bob.id}`, {
      ...inOrg(alice, orgId),
    });
    expect(removed.status).toBe(204);
    expect(await query(aliceSocket, [bob.id])).toEqual({ ok: true, online: [] });
  });

  it('refuses typing into a conversation of another organization, and relays nothing', async () => {
    const { orgId: orgA, users } = await createTeam(a, 2, 'Typing A');
    const [alice, bob] = users;
    const conversationId = await group(orgA, alice, [bob]);
    const { users: others } = await createTeam(a, 1, 'Typing B');
    const [stranger] = others;
    const bobSocket = await connect(bob);
    const bobSees = record(bobSocket, 'typing');
    const strangerSocket = await connect(stranger);

    const typed = (await strangerSocket.timeout(5000).emitWithAck('typing', { conversationId })) as Json;
    expect(typed).toEqual({ ok: false, code: 'CHAT_CONVERSATION_NOT_FOUND' });
    const joined = (await strangerSocket.timeout(5000).emitWithAck('conversation.join', { conversationId })) as Json;
    expect(joined).toEqual({ ok: false, code: 'CHAT_CONVERSATION_NOT_FOUND' });
    await quiet();
    expect(bobSees).toEqual([]);

    // A member's typing still reaches the others.
    const aliceSocket = await connect(alice);
    expect(await aliceSocket.timeout(5000).emitWithAck('typing', { conversationId })).toEqual({ ok: true });
    await eventually(() => bobSees.find((t) => t.userId === alice.id), 10_000, 'alice typing');
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { createWorkerContext } from 'src/bootstrap';
import { validateEnv } from 'src/config/env.schema';
import type { RealtimeEventName, RealtimeEvents, SubscriptionAck } from 'src/realtime/events';
import { RealtimeService } from 'src/realtime/realtime.service';
import { tokenFromOutbox } from '../support/outbox';
import { call, eventually, registerUser, startTestApp, type TestApp, type TestUser } from '../support/test-app';

type HandshakeError = Error & { data?: { code: string; message: string } };

const received = (accountId: string) => ({
  accountId,
  folderId: 'f',
  id: 'm',
  subject: null,
  from: null,
  internalDate: new Date(0).toISOString(),
});
const updated = (accountId: string) => ({ accountId, folderId: 'f', ids: ['m'] });

describe('realtime: Socket.IO /notifications with handshake auth, rooms and Redis fan-out', () => {
  const outbox = mkdtempSync(join(tmpdir(), 'switchboard-realtime-'));
  let a: TestApp;
  let b: TestApp;
  let worker: INestApplicationContext;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // Two API nodes (each also runs the in-process workers, APP_ROLE=all) and a worker-only process.
    [a, b] = await Promise.all([startTestApp({ MAIL_OUTBOX_DIR: outbox }), startTestApp({ MAIL_OUTBOX_DIR: outbox })]);
    worker = await createWorkerContext(
      validateEnv({ LOG_LEVEL: 'silent', ...process.env, APP_ROLE: 'worker', MAIL_OUTBOX_DIR: outbox }),
    );
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) {
      socket.disconnect();
    }
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), worker?.close()]);
  });

  const realtime = (node: TestApp | INestApplicationContext): RealtimeService =>
    ('app' in node ? node.app : node).get(RealtimeService);

  function socketTo(t: TestApp, options: Partial<ManagerOptions & SocketOptions> = {}): Socket {
    const socket = io(`${t.baseUrl}/notifications`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      ...options,
    });
    sockets.push(socket);
    return socket;
  }

  /** Fails after 10 s instead of at jest's test timeout. */
  function within<T>(what: string, executor: (resolve: (value: T) => void, reject: (error: Error) => void) => void) {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 10_000);
      executor(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  const connected = (socket: Socket): Promise<Socket> =>
    within('connect', (resolve, reject) => {
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', reject);
    });

  const refused = (socket: Socket): Promise<HandshakeError> =>
    within('connect_error', (resolve, reject) => {
      socket.once('connect', () => reject(new Error('connected, but should have been refused')));
      socket.once('connect_error', resolve);
    });

  const disconnected = (socket: Socket): Promise<string> =>
    within('disconnect', (resolve) => socket.once('disconnect', (reason) => resolve(reason)));

  const connectAs = (t: TestApp, user: Pick<TestUser, 'accessToken'>): Promise<Socket> =>
    connected(socketTo(t, { auth: { token: user.accessToken } }));

  /** Everything a socket receives of `event`, in order. */
  function record<E extends RealtimeEventName>(socket: Socket, event: E): RealtimeEvents[E][] {
    const seen: RealtimeEvents[E][] = [];
    const name: string = event;
    socket.on(name, (payload: RealtimeEvents[E]) => seen.push(payload));
    return seen;
  }

  const arrived = <T>(seen: T[], count = 1, what = 'an event'): Promise<T[]> =>
    eventually(() => (seen.length >= count ? seen : undefined), 10_000, what);

  const ask = (socket: Socket, event: 'subscribe' | 'unsubscribe', body: unknown): Promise<SubscriptionAck> =>
    socket.timeout(5000).emitWithAck(event, body);

  describe('handshake', () => {
    it('refuses a connection without a token with AUTH_UNAUTHENTICATED', async () => {
      const error = await refused(socketTo(a));
      expect(error.message).toBe('AUTH_UNAUTHENTICATED');
      expect(error.data).toMatchObject({ code: 'AUTH_UNAUTHENTICATED', message: expect.stringContaining('token') });
    });

    it('refuses a bad token, a refresh token used as an access token, and API keys', async () => {
      const user = await registerUser(a);
      for (const token of ['not-a-jwt', `${user.accessToken.slice(0, -4)}AAAA`, user.refreshToken]) {
        expect((await refused(socketTo(a, { auth: { token } }))).message).toBe('AUTH_TOKEN_INVALID');
      }
      const apiKey = await refused(socketTo(a, { auth: { token: 'sbk_abcdefghijkl_secret' } }));
      expect(apiKey.message).toBe('ORG_API_KEY_NOT_ALLOWED');
    });

    it('accepts an access token in auth, or as an Authorization header (long-polling transport)', async () => {
      const user = await registerUser(a);
      expect((await connectAs(a, user)).connected).toBe(true);
      const polling = await connected(
        socketTo(a, { transports: ['polling'], extraHeaders: { authorization: `Bearer ${user.accessToken}` } }),
      );
      expect(polling.connected).toBe(true);
    });

    it('reports open connections as realtime_connections', async () => {
      const user = await registerUser(a);
      await connectAs(a, user);
      await connectAs(a, user);
      const metrics = await fetch(`${a.baseUrl}/metrics`).then((res) => res.text());
      const gauge = /^realtime_connections\{namespace="\/notifications"\} (\d+)$/m.exec(metrics);
      expect(Number(gauge?.[1])).toBeGreaterThanOrEqual(2);
    });
  });

  describe('delivery', () => {
    it('toUser reaches every socket of that user and no one else', async () => {
      const [ada, bob] = await Promise.all([registerUser(a), registerUser(a)]);
      const adaSockets = await Promise.all([connectAs(a, ada), connectAs(a, ada)]);
      const bobSocket = await connectAs(a, bob);
      const adaSeen = adaSockets.map((socket) => record(socket, 'mail.received'));
      const bobSeen = record(bobSocket, 'mail.received');

      realtime(a).toUser(ada.id, 'mail.received', received('acc-ada'));
      realtime(a).toUser(bob.id, 'mail.received', received('acc-bob'));

      for (const seen of adaSeen) {
        expect(await arrived(seen)).toEqual([received('acc-ada')]);
      }
      // Published in order on one connection: had Bob been sent Ada's event, it would have come first.
      expect(await arrived(bobSeen)).toEqual([received('acc-bob')]);
    });

    it('an event emitted on node A reaches a client connected to node B', async () => {
      const user = await registerUser(a);
      const onB = await connectAs(b, user);
      const seen = record(onB, 'account.sync_state');
      realtime(a).toUser(user.id, 'account.sync_state', { accountId: 'acc-1', state: 'syncing' });
      expect(await arrived(seen)).toEqual([{ accountId: 'acc-1', state: 'syncing' }]);
    });

    it('an event emitted from a worker process (no Socket.IO server) reaches a client', async () => {
      const user = await registerUser(a);
      const socket = await connectAs(a, user);
      const seen = record(socket, 'mail.deleted');
      realtime(worker).toUser(user.id, 'mail.deleted', { accountId: 'acc-2', folderId: 'f', ids: ['m1'] });
      expect(await arrived(seen)).toEqual([{ accountId: 'acc-2', folderId: 'f', ids: ['m1'] }]);
    });
  });

  describe('organization rooms', () => {
    async function createOrg(owner: TestUser): Promise<string> {
      const res = await call(a, 'POST', '/api/v1/organizations', { token: owner.accessToken, body: { name: 'Rt Co' } });
      expect(res.status).toBe(201);
      return res.body.id as string;
    }

    async function invite(owner: TestUser, orgId: string, invitee: TestUser): Promise<void> {
      const headers = { 'x-organization-id': orgId };
      const invited = await call(a, 'POST', '/api/v1/team/invite', {
        token: owner.accessToken,
        headers,
        body: { email: invitee.email, role: 'member' },
      });
      expect(invited.status).toBe(201);
      const token = await tokenFromOutbox(outbox, invitee.email, /Invitation token: (\S+)/);
      const accepted = await call(a, 'POST', `/api/v1/team/invitations/${token}/accept`, {
        token: invitee.accessToken,
      });
      expect(accepted.status).toBe(200);
    }

    it('lets members subscribe and refuses everyone else; toOrganization reaches subscribers on any node', async () => {
      const [owner, member, stranger] = await Promise.all([registerUser(a), registerUser(a), registerUser(a)]);
      const orgId = await createOrg(owner);
      await invite(owner, orgId, member);
      const [ownerSocket, memberSocket, strangerSocket] = await Promise.all([
        connectAs(a, owner),
        connectAs(b, member),
        connectAs(a, stranger),
      ]);

      expect(await ask(strangerSocket, 'subscribe', { organizationId: orgId })).toEqual({
        ok: false,
        code: 'ORG_NOT_FOUND',
      });
      expect(await ask(strangerSocket, 'subscribe', { organizationId: 'nope' })).toEqual({
        ok: false,
        code: 'VALIDATION_FAILED',
      });
      expect(await ask(ownerSocket, 'subscribe', { organizationId: orgId })).toEqual({ ok: true });
      expect(await ask(memberSocket, 'subscribe', { organizationId: orgId })).toEqual({ ok: true });

      const seen = [ownerSocket, memberSocket, strangerSocket].map((socket) => record(socket, 'mail.updated'));
      realtime(worker).toOrganization(orgId, 'mail.updated', updated('shared'));
      realtime(worker).toUser(stranger.id, 'mail.updated', updated('own'));
      expect(await arrived(seen[0])).toEqual([updated('shared')]);
      expect(await arrived(seen[1])).toEqual([updated('shared')]);
      expect(await arrived(seen[2])).toEqual([updated('own')]);

      // Unsubscribing, or no longer being a member, takes a socket out of the room.
      expect(await ask(ownerSocket, 'unsubscribe', { organizationId: orgId })).toEqual({ ok: true });
      const left = await call(a, 'POST', '/api/v1/team/leave', {
        token: member.accessToken,
        headers: { 'x-organization-id': orgId },
      });
      expect(left.status).toBe(204);
      // The removal was published before the leave answered, on the connection these events use: no wait needed.
      realtime(a).toOrganization(orgId, 'mail.updated', updated('after'));
      realtime(a).toUser(owner.id, 'mail.updated', updated('owner-marker'));
      realtime(a).toUser(member.id, 'mail.updated', updated('member-marker'));
      expect(await arrived(seen[0], 2)).toEqual([updated('shared'), updated('owner-marker')]);
      expect(await arrived(seen[1], 2)).toEqual([updated('shared'), updated('member-marker')]);
    });
  });

  describe('session revocation', () => {
    it("disconnects a revoked session's sockets on every node, keeps the user's other sessions, refuses reconnects", async () => {
      const user = await registerUser(a);
      const login = await a.api.POST('/api/v1/auth/login', { body: { login: user.username, password: user.password } });
      const other = login.data!.tokens!;
      const [onA, onB, otherSession] = await Promise.all([connectAs(a, user), connectAs(b, user), connectAs(b, other)]);
      const revoked = [onA, onB].map((socket) => record(socket, 'session.revoked'));
      const reasons = [onA, onB].map(disconnected);

      expect((await call(a, 'POST', '/api/v1/auth/logout', { token: user.accessToken })).status).toBe(204);

      expect(await Promise.all(reasons)).toEqual(['io server disconnect', 'io server disconnect']);
      for (const seen of revoked) {
        expect(seen).toEqual([{ sessionId: user.sessionId, reason: 'logout' }]);
      }
      const stillThere = record(otherSession, 'mail.received');
      realtime(a).toUser(user.id, 'mail.received', received('x'));
      expect(await arrived(stillThere)).toEqual([received('x')]);
      expect(otherSession.connected).toBe(true);

      const again = await refused(socketTo(a, { auth: { token: user.accessToken } }));
      expect(again.message).toBe('AUTH_SESSION_REVOKED');
    });
  });
});

import { createHmac } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import { createSwitchboardClient, type SwitchboardClient } from '../../client';
import { MeetingRoomsService } from 'src/modules/meetings/signalling/meeting-rooms.service';
import { SfuWorkerPool } from 'src/modules/meetings/sfu/sfu-worker-pool.service';
import { createTeam } from '../support/chat-fixtures';
import { eventually, startTestApp, type TestApp, type TestUser } from '../support/test-app';

type Json = Record<string, any>;

/** An RTP description of an Opus microphone, as a browser would send (no media flows in this file). */
const opus = (ssrc: number): Json => ({
  mid: String(ssrc),
  codecs: [
    { mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2, parameters: {}, rtcpFeedback: [] },
  ],
  headerExtensions: [],
  encodings: [{ ssrc }],
  rtcp: { cname: `cname-${ssrc}` },
});

/** VP8 with three simulcast layers. */
const vp8Simulcast = (ssrc: number): Json => ({
  mid: String(ssrc),
  codecs: [
    {
      mimeType: 'video/VP8',
      payloadType: 96,
      clockRate: 90000,
      parameters: {},
      rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
    },
  ],
  headerExtensions: [],
  encodings: [
    { ssrc, scalabilityMode: 'S1T3' },
    { ssrc: ssrc + 1, scalabilityMode: 'S1T3' },
    { ssrc: ssrc + 2, scalabilityMode: 'S1T3' },
  ],
  rtcp: { cname: `cname-${ssrc}` },
});

/** The `/meetings` signalling protocol over real sockets and the real SFU (media itself: meetings-browser). */
describe('meetings: signalling on /meetings', () => {
  let t: TestApp;
  let orgId: string;
  let host: TestUser;
  let member: TestUser;
  let third: TestUser;
  let rooms: MeetingRoomsService;
  let pool: SfuWorkerPool;
  const sockets: Socket[] = [];

  const api = (user: TestUser): SwitchboardClient => createSwitchboardClient(t.baseUrl, { token: user.accessToken });
  const org = () => ({ header: { 'X-Organization-Id': orgId } });

  beforeAll(async () => {
    t = await startTestApp({
      MEDIASOUP_WORKERS: '2',
      MEETING_EMPTY_TIMEOUT: '0',
      TURN_URLS: 'turn:turn.example.com:3478,turns:turn.example.com:5349',
      TURN_SECRET: 'turn-shared-secret',
      TURN_CREDENTIAL_TTL: '1h',
    });
    const team = await createTeam(t, 3, 'Signal');
    orgId = team.orgId;
    [host, member, third] = team.users;
    rooms = t.app.get(MeetingRoomsService);
    pool = t.app.get(SfuWorkerPool);
  });
  afterAll(async () => {
    for (const socket of sockets) {
      socket.disconnect();
    }
    await t?.close();
  });

  async function createMeeting(settings: Json = {}): Promise<string> {
    const { data, response } = await api(host).POST('/api/v1/video/meetings', {
      params: org(),
      body: {
        title: 'Signalling',
        invitees: { userIds: [member.id, third.id] },
        settings: { maxParticipants: 50, ...settings },
      },
    });
    expect(response.status).toBe(201);
    return data!.id;
  }

  async function joinToken(user: TestUser, meetingId: string): Promise<string> {
    const { data, response } = await api(user).POST('/api/v1/video/meetings/{id}/join-token', {
      params: { ...org(), path: { id: meetingId } },
    });
    expect(response.status).toBe(200);
    return data!.token;
  }

  /** A connected socket that records every event it receives. */
  async function connect(token: string): Promise<Socket & { events: [string, Json][] }> {
    const socket = io(`${t.baseUrl}/meetings`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { token },
    }) as Socket & { events: [string, Json][] };
    socket.events = [];
    socket.onAny((event: string, body: Json) => socket.events.push([event, body]));
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return socket;
  }

  const refusal = (token: unknown): Promise<Json> =>
    new Promise((resolve) => {
      const socket = io(`${t.baseUrl}/meetings`, {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        auth: { token },
      });
      socket.once('connect_error', (error: Error & { data?: Json }) => {
        socket.disconnect();
        resolve(error.data ?? {});
      });
    });

  const request = (socket: Socket, event: string, body: Json = {}): Promise<Json> =>
    socket.timeout(10_000).emitWithAck(event, body) as Promise<Json>;

  const waitFor = (socket: { events: [string, Json][] }, event: string, match: (body: Json) => boolean = () => true) =>
    eventually(() => socket.events.find(([name, body]) => name === event && match(body))?.[1], 10_000, event);

  it('refuses handshakes without a valid join token, and meetings that ended', async () => {
    expect(await refusal(undefined)).toMatchObject({ code: 'MEETING_JOIN_TOKEN_INVALID' });
    expect(await refusal('not-a-token')).toMatchObject({ code: 'MEETING_JOIN_TOKEN_INVALID' });
    // An access token is not a join token.
    expect(await refusal(host.accessToken)).toMatchObject({ code: 'MEETING_JOIN_TOKEN_INVALID' });

    const id = await createMeeting();
    const token = await joinToken(host, id);
    await api(host).POST('/api/v1/video/meetings/{id}/start', { params: { ...org(), path: { id } } });
    await api(host).POST('/api/v1/video/meetings/{id}/stop', { params: { ...org(), path: { id } } });
    expect(await refusal(token)).toMatchObject({ code: 'MEETING_NOT_JOINABLE' });
  });

  it('joins (the meeting goes live), exchanges producers, mutes, chats, raises hands and validates requests', async () => {
    const meetingId = await createMeeting();
    const a = await connect(await joinToken(host, meetingId));
    const b = await connect(await joinToken(member, meetingId));

    // Nothing but join before joining.
    expect(await request(b, 'createTransport', { direction: 'send' })).toMatchObject({
      ok: false,
      code: 'MEETING_NOT_JOINED',
    });

    const joinA = await request(a, 'join', { displayName: 'Host Person' });
    expect(joinA).toMatchObject({ ok: true, meetingId, role: 'host', waiting: false, peers: [], chat: [] });
    const codecs = (joinA.routerRtpCapabilities.codecs as Json[]).map((c) => String(c.mimeType));
    expect(codecs).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8']));
    const [ice] = joinA.iceServers as Json[];
    expect(ice.urls).toEqual(['turn:turn.example.com:3478', 'turns:turn.example.com:5349']);
    expect(ice.credential).toBe(createHmac('sha1', 'turn-shared-secret').update(ice.username).digest('base64'));
    expect(Number(ice.username.split(':')[0])).toBeGreaterThan(Date.now() / 1000 + 3500);

    const { data: live } = await api(host).GET('/api/v1/video/meetings/{id}', {
      params: { ...org(), path: { id: meetingId } },
    });
    expect(live!.status).toBe('live');
    expect(rooms.stats()).toEqual(expect.arrayContaining([expect.objectContaining({ meetingId, peers: 1 })]));
    const metrics = await fetch(`${t.baseUrl}/metrics`).then((res) => res.text());
    expect(metrics).toMatch(/^sfu_meetings 1$/m);
    expect(metrics).toMatch(/^sfu_peers 1$/m);
    expect(metrics).toMatch(/^sfu_workers 2$/m);

    // The host produces a microphone and a simulcast webcam.
    const sendA = await request(a, 'createTransport', { direction: 'send' });
    expect(sendA).toMatchObject({ ok: true, transportId: expect.any(String) });
    expect(sendA.iceCandidates.length).toBeGreaterThan(0);
    const micA = await request(a, 'produce', {
      transportId: sendA.transportId,
      kind: 'audio',
      rtpParameters: opus(1111),
    });
    expect(micA).toMatchObject({ ok: true, producerId: expect.any(String) });
    const camA = await request(a, 'produce', {
      transportId: sendA.transportId,
      kind: 'video',
      rtpParameters: vp8Simulcast(2221),
      appData: { source: 'webcam' },
    });
    expect(camA.ok).toBe(true);

    // The member joins late: the host is listed with both producers, and the host hears about the member.
    const joinB = await request(b, 'join', {});
    expect(joinB.ok).toBe(true);
    expect(joinB.peers).toHaveLength(1);
    expect(joinB.peers[0]).toMatchObject({ peerId: joinA.peerId, displayName: 'Host Person', role: 'host' });
    expect((joinB.peers[0].producers as Json[]).map((p) => String(p.source)).sort()).toEqual(['mic', 'webcam']);
    await waitFor(a, 'peerJoined', (p) => p.peerId === joinB.peerId && p.userId === member.id);

    // Consuming needs a recv transport; then the consumer starts paused and resumes.
    const caps = joinB.routerRtpCapabilities as Json;
    expect(await request(b, 'consume', { producerId: camA.producerId, rtpCapabilities: caps })).toMatchObject({
      ok: false,
      code: 'MEETING_OBJECT_NOT_FOUND',
    });
    const recvB = await request(b, 'createTransport', { direction: 'recv' });
    expect(recvB.ok).toBe(true);
    const camConsumer = await request(b, 'consume', { producerId: camA.producerId, rtpCapabilities: caps });
    expect(camConsumer).toMatchObject({
      ok: true,
      producerId: camA.producerId,
      peerId: joinA.peerId,
      kind: 'video',
      type: 'simulcast',
      producerPaused: false,
    });
    expect(await request(b, 'resumeConsumer', { consumerId: camConsumer.consumerId })).toEqual({ ok: true });
    expect(
      await request(b, 'setPreferredLayers', { consumerId: camConsumer.consumerId, spatialLayer: 1, temporalLayer: 2 }),
    ).toEqual({ ok: true });
    const micConsumer = await request(b, 'consume', { producerId: micA.producerId, rtpCapabilities: caps });
    expect(micConsumer).toMatchObject({ ok: true, kind: 'audio', type: 'simple' });

    // The member produces; the host sees newProducer, then mutes the member: both see the producer paused.
    const sendB = await request(b, 'createTransport', { direction: 'send' });
    const micB = await request(b, 'produce', {
      transportId: sendB.transportId,
      kind: 'audio',
      rtpParameters: opus(3331),
    });
    await waitFor(
      a,
      'newProducer',
      (p) => p.producerId === micB.producerId && p.kind === 'audio' && p.source === 'mic',
    );
    // Only the host may mute.
    expect(await request(b, 'mutePeer', { peerId: joinA.peerId })).toMatchObject({
      ok: false,
      code: 'MEETING_HOST_REQUIRED',
    });
    expect(await request(a, 'mutePeer', { peerId: joinB.peerId, kind: 'audio' })).toEqual({
      ok: true,
      producerIds: [micB.producerId],
    });
    await waitFor(b, 'mutedByHost', (m) => m.kind === 'audio' && m.producerIds[0] === micB.producerId);
    await waitFor(a, 'producerPaused', (p) => p.producerId === micB.producerId && p.byHost === true);
    // Muted stays muted: another microphone of the member starts paused (as after an SFU restart).
    const micB2 = await request(b, 'produce', {
      transportId: sendB.transportId,
      kind: 'audio',
      rtpParameters: opus(3341),
    });
    await waitFor(a, 'newProducer', (p) => p.producerId === micB2.producerId && p.paused === true);
    expect(await request(b, 'closeProducer', { producerId: micB2.producerId })).toEqual({ ok: true });
    // The member unmutes itself.
    expect(await request(b, 'resumeProducer', { producerId: micB.producerId })).toEqual({ ok: true });
    await waitFor(a, 'producerResumed', (p) => p.producerId === micB.producerId && p.byHost === false);

    // Nobody touches someone else's objects.
    expect(await request(b, 'pauseProducer', { producerId: micA.producerId })).toMatchObject({
      ok: false,
      code: 'MEETING_OBJECT_NOT_FOUND',
    });

    // Closing a producer closes the consumers of it.
    expect(await request(a, 'closeProducer', { producerId: camA.producerId })).toEqual({ ok: true });
    await waitFor(b, 'producerClosed', (p) => p.producerId === camA.producerId);
    await waitFor(b, 'consumerClosed', (c) => c.consumerId === camConsumer.consumerId);

    // Chat and raised hands reach everyone; chat history reaches late joiners.
    const said = await request(b, 'chat', { text: '  Can you hear me?  ' });
    expect(said).toMatchObject({ ok: true, message: { peerId: joinB.peerId, text: 'Can you hear me?' } });
    await waitFor(a, 'chatMessage', (m) => m.id === said.message.id);
    expect(await request(b, 'raiseHand', { raised: true })).toEqual({ ok: true });
    await waitFor(a, 'handRaised', (h) => h.peerId === joinB.peerId && h.raised === true);

    // Bad payloads name the field.
    expect(await request(a, 'createTransport', { direction: 'sideways' })).toMatchObject({
      ok: false,
      code: 'VALIDATION_FAILED',
      details: { field: 'direction' },
    });
    expect(await request(a, 'produce', { transportId: sendA.transportId, kind: 'audio' })).toMatchObject({
      ok: false,
      details: { field: 'rtpParameters' },
    });
    expect(
      await request(a, 'produce', {
        transportId: sendA.transportId,
        kind: 'audio',
        rtpParameters: opus(4441),
        appData: { source: 'radio' },
      }),
    ).toMatchObject({ ok: false, details: { field: 'appData.source' } });
    expect(await request(a, 'chat', { text: '   ' })).toMatchObject({ ok: false, details: { field: 'text' } });
    expect(await request(a, 'consume', { producerId: 'nope', rtpCapabilities: caps })).toMatchObject({
      ok: false,
      details: { field: 'producerId' },
    });

    // A third member joins late and gets the chat so far; then chat is rate-limited per peer.
    const c = await connect(await joinToken(third, meetingId));
    const joinC = await request(c, 'join');
    expect(joinC.peers).toHaveLength(2);
    expect(joinC.chat).toEqual([expect.objectContaining({ id: said.message.id })]);
    expect(joinC.peers.find((p: Json) => p.peerId === joinB.peerId)).toMatchObject({ handRaised: true });
    const answers: Json[] = [];
    for (let i = 0; i < 11; i++) {
      answers.push(await request(c, 'chat', { text: `message ${i}` }));
    }
    expect(answers.slice(0, 10).every((r) => r.ok)).toBe(true);
    expect(answers[10]).toMatchObject({ ok: false, code: 'MEETING_RATE_LIMITED' });

    // The host removes the third; leaving one by one closes the router; participants are recorded.
    expect(await request(a, 'removePeer', { peerId: joinC.peerId })).toEqual({ ok: true });
    await waitFor(c, 'removed', (r) => r.reason === 'removed-by-host');
    await eventually(() => (c.disconnected ? true : undefined));
    await waitFor(a, 'peerLeft', (p) => p.peerId === joinC.peerId);

    expect(await request(b, 'leave')).toEqual({ ok: true });
    await waitFor(a, 'peerLeft', (p) => p.peerId === joinB.peerId);
    await waitFor(a, 'producerClosed', (p) => p.producerId === micB.producerId);
    const routerId = rooms.stats().find((r) => r.meetingId === meetingId)!.routerId;
    a.disconnect();
    await eventually(() => (rooms.stats().some((r) => r.meetingId === meetingId) ? undefined : true));
    expect(rooms.stats().map((r) => r.routerId)).not.toContain(routerId);

    const { data: people } = await api(host).GET('/api/v1/video/meetings/{id}/participants', {
      params: { ...org(), path: { id: meetingId }, query: {} },
    });
    expect(people!.items.map((p) => p.userId).sort()).toEqual([host.id, member.id, third.id].sort());
    await eventually(() => (undefined === people!.items.find((p) => p.leftAt === null) ? true : undefined));
  });

  it('lets a guest with a link token in, by name, without host powers; the guest is recorded as a participant', async () => {
    const meetingId = await createMeeting({ guestsAllowed: true });
    const a = await connect(await joinToken(host, meetingId));
    await request(a, 'join');
    const { data, error } = await createSwitchboardClient(t.baseUrl).POST('/api/v1/video/meetings/{id}/guest-token', {
      params: { path: { id: meetingId } },
      body: { name: 'Visitor' },
    });
    expect(error).toBeUndefined();
    const g = await connect(data!.token);
    const joined = await request(g, 'join');
    expect(joined).toMatchObject({ ok: true, role: 'guest' });
    await waitFor(
      a,
      'peerJoined',
      (p) => p.peerId === joined.peerId && p.userId === null && p.displayName === 'Visitor',
    );
    expect(await request(g, 'endMeeting')).toMatchObject({ ok: false, code: 'MEETING_HOST_REQUIRED' });
    g.disconnect();
    await waitFor(a, 'peerLeft', (p) => p.peerId === joined.peerId);
    // The participant row has the guest's name, no user, and is closed once the guest left.
    const row = await eventually(async () => {
      const { data: rows } = await api(host).GET('/api/v1/video/meetings/{id}/participants', {
        params: { ...org(), path: { id: meetingId }, query: {} },
      });
      const guest = rows!.items.find((p) => p.guestName === 'Visitor');
      return guest?.leftAt ? guest : undefined;
    });
    expect(row).toMatchObject({ userId: null, durationSeconds: expect.any(Number) });
    a.disconnect();
  });

  it('replaces a peer when the same person joins again (reconnect, another tab)', async () => {
    const meetingId = await createMeeting();
    const first = await connect(await joinToken(member, meetingId));
    const before = await request(first, 'join');
    const second = await connect(await joinToken(member, meetingId));
    const after = await request(second, 'join');
    expect(after).toMatchObject({ ok: true, peers: [] });
    expect(after.peerId).not.toBe(before.peerId);
    await waitFor(first, 'removed', (r) => r.reason === 'joined-elsewhere');
    await eventually(() => (first.disconnected ? true : undefined));
    expect(rooms.stats().find((r) => r.meetingId === meetingId)).toMatchObject({ peers: 1 });
    second.disconnect();
    await eventually(() => (rooms.stats().some((r) => r.meetingId === meetingId) ? undefined : true));
  });

  it('keeps waiting-room peers out until the host admits them', async () => {
    const meetingId = await createMeeting({ waitingRoom: true });
    const a = await connect(await joinToken(host, meetingId));
    const hostJoin = await request(a, 'join');
    expect(hostJoin).toMatchObject({ ok: true, waiting: false });

    const b = await connect(await joinToken(member, meetingId));
    const waiting = await request(b, 'join');
    expect(waiting).toMatchObject({ ok: true, waiting: true, routerRtpCapabilities: null, peers: [] });
    await waitFor(a, 'waitingPeer', (w) => w.peerId === waiting.peerId && w.userId === member.id);
    expect(await request(b, 'createTransport', { direction: 'recv' })).toMatchObject({ code: 'MEETING_NOT_JOINED' });

    expect(await request(a, 'admitPeer', { peerId: waiting.peerId })).toEqual({ ok: true });
    await waitFor(b, 'admitted');
    const joined = await request(b, 'join');
    expect(joined).toMatchObject({ ok: true, waiting: false, peerId: waiting.peerId });
    expect(joined.peers).toHaveLength(1);

    // The host ends the meeting for everyone.
    expect(await request(b, 'endMeeting')).toMatchObject({ ok: false, code: 'MEETING_HOST_REQUIRED' });
    expect(await request(a, 'endMeeting')).toEqual({ ok: true });
    await waitFor(b, 'removed', (r) => r.reason === 'meeting-ended');
    await eventually(() => (a.disconnected && b.disconnected ? true : undefined));
    const { data } = await api(host).GET('/api/v1/video/meetings/{id}', {
      params: { ...org(), path: { id: meetingId } },
    });
    expect(data!.status).toBe('ended');
    await eventually(() => (rooms.stats().some((r) => r.meetingId === meetingId) ? undefined : true));
  });

  it('moves a meeting to another worker when its worker dies and tells clients to reconnect', async () => {
    const meetingId = await createMeeting();
    const a = await connect(await joinToken(host, meetingId));
    const b = await connect(await joinToken(member, meetingId));
    await request(a, 'join');
    await request(b, 'join');
    const send = await request(a, 'createTransport', { direction: 'send' });
    await request(a, 'produce', { transportId: send.transportId, kind: 'audio', rtpParameters: opus(5551) });

    const before = rooms.stats().find((r) => r.meetingId === meetingId)!;
    // The worker hosting this meeting's router (another test's meeting may still live on another worker).
    const victim = pool.stats().find((s) => s.routerIds.includes(before.routerId))!;
    process.kill(victim.pid, 'SIGKILL');

    const [reconnectA, reconnectB] = await Promise.all([waitFor(a, 'mediaReconnect'), waitFor(b, 'mediaReconnect')]);
    expect(reconnectA).toMatchObject({ reason: 'sfu-restart' });
    expect(reconnectB.routerRtpCapabilities.codecs.length).toBeGreaterThan(0);
    const after = rooms.stats().find((r) => r.meetingId === meetingId)!;
    expect(after.routerId).not.toBe(before.routerId);
    expect(after.peers).toBe(2);

    // Media comes back on the new router: a new transport and producer reach the other peer.
    const again = await request(a, 'createTransport', { direction: 'send' });
    expect(again.ok).toBe(true);
    const mic = await request(a, 'produce', {
      transportId: again.transportId,
      kind: 'audio',
      rtpParameters: opus(6661),
    });
    expect(mic.ok).toBe(true);
    await waitFor(b, 'newProducer', (p) => p.producerId === mic.producerId);
    await eventually(() => (pool.stats().length === 2 ? true : undefined));
  });
});

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { types as ms } from 'mediasoup';
import { io, type Socket } from 'socket.io-client';
import { createSwitchboardClient, type SwitchboardClient } from '../../client';
import { MeetingRoomsService } from 'src/modules/meetings/signalling/meeting-rooms.service';
import { createTeam } from '../support/chat-fixtures';
import { eventually, startTestApp, type TestApp, type TestUser } from '../support/test-app';

type Json = Record<string, any>;

const VIDEO_SSRC = 22_222_222;
const AUDIO_SSRC = 11_111_111;

/**
 * Recording: a meeting whose host "sends" a camera and a microphone — PlainTransports fed by ffmpeg (a VP8 test
 * pattern and an Opus tone over RTP, real encoded media) registered as the host peer's producers — is recorded
 * through the real path (PlainTransport consumer → ffmpeg, no re-encoding), downloaded by the host and checked
 * with ffprobe.
 */
describe('meetings: recording', () => {
  let t: TestApp;
  let orgId: string;
  let host: TestUser;
  let member: TestUser;
  let rooms: MeetingRoomsService;
  let source: ChildProcess | undefined;
  const sockets: Socket[] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'switchboard-recording-'));

  const api = (user: TestUser): SwitchboardClient => createSwitchboardClient(t.baseUrl, { token: user.accessToken });
  const org = () => ({ header: { 'X-Organization-Id': orgId } });

  beforeAll(async () => {
    t = await startTestApp({ MEDIASOUP_WORKERS: '1', MEETING_EMPTY_TIMEOUT: '0' });
    const team = await createTeam(t, 2, 'Record');
    orgId = team.orgId;
    [host, member] = team.users;
    rooms = t.app.get(MeetingRoomsService);
  });
  afterAll(async () => {
    source?.kill('SIGKILL');
    for (const socket of sockets) {
      socket.disconnect();
    }
    await t?.close();
  });

  async function createMeeting(recordingAllowed: boolean): Promise<string> {
    const { data } = await api(host).POST('/api/v1/video/meetings', {
      params: org(),
      body: {
        title: 'Recorded',
        invitees: { userIds: [member.id] },
        settings: { maxParticipants: 10, recordingAllowed },
      },
    });
    return data!.id;
  }

  async function joinAsHost(meetingId: string): Promise<{ socket: Socket & { events: string[] }; peerId: string }> {
    const { data } = await api(host).POST('/api/v1/video/meetings/{id}/join-token', {
      params: { ...org(), path: { id: meetingId } },
    });
    const socket = io(`${t.baseUrl}/meetings`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { token: data!.token },
    }) as Socket & { events: string[] };
    socket.events = [];
    socket.onAny((event: string) => socket.events.push(event));
    sockets.push(socket);
    const joined = (await socket.timeout(10_000).emitWithAck('join', {})) as Json;
    expect(joined.ok).toBe(true);
    return { socket, peerId: joined.peerId as string };
  }

  /** A producer of the host's peer on a comedia PlainTransport; returns the RTP and RTCP ports ffmpeg sends to. */
  async function plainProducer(meetingId: string, peerId: string, kind: ms.MediaKind): Promise<[number, number]> {
    const room = rooms.get(meetingId)!;
    const peer = room.peers.get(peerId)!;
    const transport = await room.mediaRouter.createPlainTransport({
      listenIp: '127.0.0.1',
      // ffmpeg sends RTCP from a socket of its own: a separate RTCP port keeps comedia on the RTP one.
      rtcpMux: false,
      comedia: true,
    });
    peer.transports.set(transport.id, transport as unknown as ms.WebRtcTransport);
    const codec =
      kind === 'video'
        ? { mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }
        : { mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 };
    await room.produce(
      peer,
      transport.id,
      kind,
      { codecs: [codec], encodings: [{ ssrc: kind === 'video' ? VIDEO_SSRC : AUDIO_SSRC }] },
      kind === 'video' ? 'webcam' : 'mic',
    );
    return [transport.tuple.localPort, transport.rtcpTuple!.localPort];
  }

  it('records a live meeting’s camera and microphone into files the host can download and ffprobe can read', async () => {
    // Not allowed by the meeting's settings.
    const closed = await createMeeting(false);
    await joinAsHost(closed);
    const refused = await api(host).POST('/api/v1/video/meetings/{id}/recordings', {
      params: { ...org(), path: { id: closed } },
    });
    expect(refused.response.status).toBe(403);
    expect(refused.error).toMatchObject({ code: 'MEETING_RECORDING_NOT_ALLOWED' });

    const meetingId = await createMeeting(true);
    const { socket, peerId } = await joinAsHost(meetingId);
    const [videoPort, videoRtcp] = await plainProducer(meetingId, peerId, 'video');
    const [audioPort, audioRtcp] = await plainProducer(meetingId, peerId, 'audio');
    source = spawn(
      'ffmpeg',
      [
        ...['-loglevel', 'error', '-re'],
        ...['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15'],
        ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
        ...['-map', '0:v', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-g', '15'],
        ...['-payload_type', '101', '-ssrc', String(VIDEO_SSRC), '-f', 'rtp'],
        `rtp://127.0.0.1:${videoPort}?rtcpport=${videoRtcp}&pkt_size=1200`,
        ...['-map', '1:a', '-c:a', 'libopus', '-ac', '2', '-b:a', '48k'],
        ...['-payload_type', '100', '-ssrc', String(AUDIO_SSRC), '-f', 'rtp'],
        `rtp://127.0.0.1:${audioPort}?rtcpport=${audioRtcp}&pkt_size=1200`,
      ],
      { stdio: 'ignore' },
    );

    const started = await api(host).POST('/api/v1/video/meetings/{id}/recordings', {
      params: { ...org(), path: { id: meetingId } },
    });
    expect(started.response.status).toBe(201);
    expect(started.data).toMatchObject({ meetingId, status: 'recording', startedById: host.id });
    expect(started.data!.tracks.map((track) => track.kind).sort()).toEqual(['audio', 'video']);
    await eventually(() => (socket.events.includes('recordingStarted') ? true : undefined));

    const again = await api(host).POST('/api/v1/video/meetings/{id}/recordings', {
      params: { ...org(), path: { id: meetingId } },
    });
    expect(again.response.status).toBe(409);
    expect(again.error).toMatchObject({ code: 'MEETING_ALREADY_RECORDING' });

    await new Promise((resolve) => setTimeout(resolve, 5_000));

    const recordingId = started.data!.id;
    const stopped = await api(host).POST('/api/v1/video/meetings/{id}/recordings/{recordingId}/stop', {
      params: { ...org(), path: { id: meetingId, recordingId } },
    });
    expect(stopped.response.status).toBe(200);
    expect(stopped.data).toMatchObject({ status: 'completed', error: null });
    await eventually(() => (socket.events.includes('recordingStopped') ? true : undefined));

    // Invitees see the recording; only the host downloads it.
    const listed = await api(member).GET('/api/v1/video/meetings/{id}/recordings', {
      params: { ...org(), path: { id: meetingId } },
    });
    expect(listed.data!.items.map((r) => r.id)).toEqual([recordingId]);
    const video = stopped.data!.tracks.find((track) => track.kind === 'video')!;
    const audio = stopped.data!.tracks.find((track) => track.kind === 'audio')!;
    expect(video).toMatchObject({ contentType: 'video/webm', userId: host.id });
    expect(video.bytes).toBeGreaterThan(1000);
    const url = (trackId: string) =>
      `${t.baseUrl}/api/v1/video/meetings/${meetingId}/recordings/${recordingId}/tracks/${trackId}/file`;
    const forbidden = await fetch(url(video.id), {
      headers: { authorization: `Bearer ${member.accessToken}`, 'x-organization-id': orgId },
    });
    expect(forbidden.status).toBe(403);

    for (const [track, codec, type] of [
      [video, 'vp8', 'video'],
      [audio, 'opus', 'audio'],
    ] as const) {
      const res = await fetch(url(track.id), {
        headers: { authorization: `Bearer ${host.accessToken}`, 'x-organization-id': orgId },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(`${type}/webm`);
      expect(res.headers.get('content-disposition')).toContain('Recorded');
      const file = join(scratch, `${track.id}.webm`);
      writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      const probe = JSON.parse(
        execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file]).toString(),
      ) as { streams: Json[]; format: Json };
      expect(probe.streams[0]).toMatchObject({ codec_type: type, codec_name: codec });
      expect(Number(probe.format.duration)).toBeGreaterThan(1);
    }
  });

  it('answers 503 with the fix when ffmpeg is missing', async () => {
    const other = await startTestApp({ FFMPEG_PATH: '/nonexistent/ffmpeg' });
    try {
      const meetingId = await createMeeting(true);
      const res = await createSwitchboardClient(other.baseUrl, { token: host.accessToken }).POST(
        '/api/v1/video/meetings/{id}/recordings',
        { params: { ...org(), path: { id: meetingId } } },
      );
      expect(res.response.status).toBe(503);
      expect(res.error).toMatchObject({ code: 'MEETING_RECORDER_UNAVAILABLE' });
      expect((res.error as Json).message).toContain('FFMPEG_PATH');
    } finally {
      await other.close();
    }
  });
});

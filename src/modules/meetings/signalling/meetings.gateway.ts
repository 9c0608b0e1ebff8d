import { EntityManager } from '@mikro-orm/postgresql';
import { Logger } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import { randomUUID } from 'node:crypto';
import type { types as ms } from 'mediasoup';
import type { Namespace, Socket } from 'socket.io';
import { AppError, PlatformErrorCode } from 'src/common/errors/app-error';
import { AppConfigService } from 'src/config/app-config.service';
import { MetricsService } from 'src/modules/metrics/metrics.service';
import { handshakeRefusal } from 'src/realtime/socket-handshake';
import { User } from 'src/modules/users/user.entity';
import { Meeting } from 'src/modules/meetings/meeting.entity';
import { MeetingJoinClaims, MeetingTokensService } from 'src/modules/meetings/meeting-tokens.service';
import { MeetingError, MeetingErrorCode, meetingNotFound } from 'src/modules/meetings/meetings.errors';
import { assertJoinable, MeetingsService } from 'src/modules/meetings/meetings.service';
import { iceServersFor } from './ice-servers';
import { MeetingRoom, Peer, PeerIdentity } from './meeting-room';
import { MeetingRoomsService } from './meeting-rooms.service';
import { Payload } from './payload';
import {
  Ack,
  ConsumeResult,
  JoinResult,
  MediaSource,
  MEETINGS_NAMESPACE,
  meetingRoom,
  MeetingChatMessage,
  MeetingServerEvents,
  TransportResult,
} from './signalling.events';

interface MeetingSocketData {
  claims: MeetingJoinClaims;
  identity: PeerIdentity;
  /** Set by the host's `admitPeer` while the peer waits: its next `join` enters the meeting. */
  admitted?: boolean;
}

type MeetingSocket = Socket<Record<string, never>, MeetingServerEvents, Record<string, never>, MeetingSocketData>;

/** Chat messages a peer may send per CHAT_WINDOW_MS. */
const CHAT_BURST = 10;
const CHAT_WINDOW_MS = 10_000;

const KINDS = ['audio', 'video'] as const;
const SOURCES = ['mic', 'webcam', 'screen'] as const;

const hostRequired = (): MeetingError => new MeetingError(MeetingErrorCode.HostRequired, 'Only the host can do this');

/**
 * The `/meetings` namespace: WebRTC signalling for the SFU (README, "Signalling"). A socket authenticates with a
 * meeting join token in the handshake and is one peer; every request answers through its acknowledgement with
 * `{ ok: true, ... }` or `{ ok: false, code, message, details }`.
 */
@WebSocketGateway({ namespace: MEETINGS_NAMESPACE })
export class MeetingsGateway implements OnGatewayInit<Namespace>, OnGatewayDisconnect {
  private readonly logger = new Logger(MeetingsGateway.name);
  /** Peers of this node by socket id (joined or waiting). */
  private readonly peers = new Map<string, { room: MeetingRoom; peer: Peer }>();
  private readonly chatSent = new Map<string, number[]>();

  @WebSocketServer()
  private readonly namespace!: Namespace;

  constructor(
    private readonly em: EntityManager,
    private readonly tokens: MeetingTokensService,
    private readonly meetings: MeetingsService,
    private readonly rooms: MeetingRoomsService,
    private readonly config: AppConfigService,
    private readonly metrics: MetricsService,
  ) {}

  afterInit(namespace: Namespace): void {
    namespace.use((socket, next) => {
      this.authenticate(socket as MeetingSocket).then(
        () => next(),
        (error: unknown) => next(handshakeRefusal(error, this.logger, 'meeting handshake failed')),
      );
    });
    this.rooms.bind({
      toMeeting: (meetingId, event, body, exceptSocketId) => {
        const target = this.namespace.to(meetingRoom(meetingId));
        (exceptSocketId ? target.except(exceptSocketId) : target).emit(event, body);
      },
      toSocket: (socketId, event, body) => {
        this.namespace.to(socketId).emit(event, body);
      },
    });
    this.meetings.onEnded((meetingId) => this.endedEverywhere(meetingId));
    this.metrics.trackRealtimeNamespace(namespace.name, () => namespace.sockets.size);
    this.metrics.trackSfu(() => this.rooms.summary());
  }

  handleDisconnect(socket: MeetingSocket): void {
    void this.leaveRoom(socket.id);
  }

  @SubscribeMessage('join')
  join(@ConnectedSocket() socket: MeetingSocket, @MessageBody() body: unknown): Promise<Ack<JoinResult>> {
    return this.answer(async () => {
      const displayName = new Payload(body).text('displayName', 100, true);
      const { claims } = socket.data;
      const current = this.peers.get(socket.id);
      if (current && current.room.peers.has(current.peer.id)) {
        return this.joinResult(current.room, current.peer, false);
      }
      const meeting = await this.em.fork().findOne(Meeting, claims.mid);
      if (!meeting) {
        throw meetingNotFound();
      }
      assertJoinable(meeting);
      const open = this.rooms.get(meeting.id);
      // The same person joining again (a reconnect after a network change, another tab) replaces the old peer,
      // rather than waiting for its socket to time out.
      const twin = [...(open?.peers.values() ?? []), ...(open?.waiting.values() ?? [])].find(
        (p) => p.identity.subject === socket.data.identity.subject && p.socketId !== socket.id,
      );
      if (twin) {
        this.namespace.to(twin.socketId).emit('removed', { reason: 'joined-elsewhere' });
        await this.leaveRoom(twin.socketId, false);
        this.namespace.sockets.get(twin.socketId)?.disconnect(true);
      }
      const room = await this.rooms.open(meeting);
      if (socket.disconnected) {
        // Gone while the room opened: leave nothing behind.
        this.rooms.closeIfEmpty(room);
        throw new MeetingError(MeetingErrorCode.NotJoined, 'Disconnected while joining');
      }
      const peer = current?.peer ?? new Peer(randomUUID(), socket.id, { ...socket.data.identity });
      if (displayName) {
        peer.identity.displayName = displayName;
      }
      if (room.peers.size >= meeting.settings.maxParticipants) {
        this.rooms.closeIfEmpty(room);
        throw new MeetingError(MeetingErrorCode.Full, 'The meeting is full', {
          maxParticipants: meeting.settings.maxParticipants,
        });
      }
      this.peers.set(socket.id, { room, peer });
      if (meeting.settings.waitingRoom && !peer.isHost && !socket.data.admitted) {
        room.waiting.set(peer.id, peer);
        for (const host of [...room.peers.values()].filter((p) => p.isHost)) {
          this.namespace.to(host.socketId).emit('waitingPeer', {
            peerId: peer.id,
            displayName: peer.identity.displayName,
            userId: peer.identity.userId,
          });
        }
        return this.joinResult(room, peer, true);
      }
      room.waiting.delete(peer.id);
      room.peers.set(peer.id, peer);
      await socket.join(meetingRoom(meeting.id));
      peer.participantRowId = await this.meetings.recordJoin(meeting.id, {
        userId: peer.identity.userId ?? undefined,
        guestName: peer.identity.userId ? undefined : peer.identity.displayName,
      });
      if (socket.disconnected) {
        // The disconnect handler ran before the row existed: close it here.
        await this.meetings.recordLeave(peer.participantRowId);
        throw new MeetingError(MeetingErrorCode.NotJoined, 'Disconnected while joining');
      }
      this.namespace.to(meetingRoom(meeting.id)).except(socket.id).emit('peerJoined', peer.info());
      return this.joinResult(room, peer, false);
    });
  }

  @SubscribeMessage('admitPeer')
  admitPeer(@ConnectedSocket() socket: MeetingSocket, @MessageBody() body: unknown): Promise<Ack> {
    return this.answer(() => {
      const peerId = new Payload(body).id('peerId');
      const { room, peer } = this.joined(socket);
      if (!peer.isHost) {
        throw hostRequired();
      }
      const waiting = room.waiting.get(peerId);
      if (!waiting) {
        throw new MeetingError(MeetingErrorCode.ObjectNotFound, `No peer ${peerId} is waiting`, { peerId });
      }
      const target = this.namespace.sockets.get(waiting.socketId) as MeetingSocket | undefined;
      if (target) {
        target.data.admitted = true;
      }
      this.namespace.to(waiting.socketId).emit('admitted', { peerId });
      return {};
    });
  }

  @SubscribeMessage('createTransport')
  createTransport(
    @ConnectedSocket() socket: MeetingSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<TransportResult>> {
    return this.answer(async () => {
      const direction = new Payload(body).oneOf('direction', ['send', 'recv'] as const);
      const { room, peer } = this.joined(socket);
      return room.createTransport(peer, direction);
    });
  }

  @SubscribeMessage('connectTransport')
  connectTransport(@ConnectedSocket() socket: MeetingSocket, @MessageBody() body: unknown): Promise<Ack> {
    return this.answer(async () => {
      const payload = new Payload(body);
      const transportId = payload.id('transportId');
      const dtlsParameters = payload.object<ms.DtlsParameters>('dtlsParameters');
      await this.joined(socket).peer.transport(transportId).connect({ dtlsParameters });
      return {};
    });
  }

  @SubscribeMessage('restartIce')
  restartIce(
    @ConnectedSocket() socket: MeetingSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<{ iceParameters: ms.IceParameters }>> {
    return this.answer(async () => {
      const transportId = new Payload(body).id('transportId');
      return { iceParameters: await this.joined(socket).peer.transport(transportId).restartIce() };
    });
  }

  @SubscribeMessage('produce')
  produce(
    @ConnectedSocket() socket: MeetingSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<{ producerId: string }>> {
    return this.answer(async () => {
      const payload = new Payload(body);
      const transportId = payload.id('transportId');
      const kind = payload.oneOf('kind', KINDS);
      const rtpParameters = payload.object<ms.RtpParameters>('rtpParameters');
      const source: MediaSource = payload
        .nested('appData')
        .oneOf('source', SOURCES, kind === 'audio' ? 'mic' : 'webcam');
      const { room, peer } = this.joined(socket);
      return { producerId: await room.produce(peer, transportId, kind, rtpParameters, source) };
    });
  }

  @SubscribeMessage('pauseProducer')
  pauseProducer(@ConnectedSocket() socket: MeetingSocket, @MessageBody() body: unknown): Promise<Ack> {
    return this.setProducerPaused(socket, body, true);
  }

  @SubscribeMessage('resumeProducer')
  resumeProducer(@ConnectedSocket() socket: MeetingSocket, @MessageBody() body: unknown): Promise<Ack> {
    return this.setProducerPaused(socket, body, false);
  }

  @SubscribeMessage('closeProducer')
  closeProducer(@ConnectedSocket() socket: MeetingSocket, @MessageBody() body: unknown): Promise<Ack> {
    return this.answer(() => {
      const producerId = new Payload(body).id('producerId');
      const { room, peer } = this.joined(socket);
      room.closeProducer(peer, producerId);
      return {};
    });
  }

  @SubscribeMessage('consume')
  consume(@ConnectedSocket() socket: MeetingSocket, @MessageBody() body: unknown): Promise<Ack<ConsumeResult>> {
    return this.answer(async () => {
      const payload = new Payload(body);
      const producerId = payload.id('producerId');
      const rtpCapabilities = payload.object<ms.RtpCapabilities>('rtpCapabilities');
      const { room, peer } = this.joined(socket);
      return room.consume(peer, producerId, rtpCapabilities);
    });
  }

  @SubscribeMessage('resumeConsumer')
  resumeConsumer(@ConnectedSocket() socket: MeetingSocket, @MessageBody() body: unknown): Promise<Ack> {
    return this.answer(async () => {
      const consumerId = new Payload(body).id('consumerId');
      await this.joined(socket).peer.consumer(consumerId).resume();
      return {};
    });
  }

  @SubscribeMessage('pauseConsumer')
  pauseConsumer(@ConnectedSocket() socket: MeetingSocket, @MessageBody() body: unknown): Promise<Ack> {
    return this.answer(async () => {
      const consumerId = new Payload(body).id('consumerId');
      await this.joined(socket).peer.consumer(consumerId).pause();
      return {};
    });
  }

  @SubscribeMessage('setPreferredLayers')
  setPreferredLayers(@ConnectedSocket() socket: MeetingSocket, @MessageBody() body: unknown): Promise<Ack> {
    return this.answer(async () => {
      const payload = new Payload(body);
      const consumerId = payload.id('consumerId');
      const spatialLayer = payload.int('spatialLayer', 0, 3);
      const temporalLayer = payload.int('temporalLayer', 0, 3, true);
      await this.joined(socket).peer.consumer(consumerId).setPreferredLayers({ spatialLayer, temporalLayer });
      return {};
    });
  }

  @SubscribeMessage('chat')
  chat(
    @ConnectedSocket() socket: MeetingSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<{ message: MeetingChatMessage }>> {
    return this.answer(() => {
      const text = new Payload(body).text('text', 2000);
      const { room, peer } = this.joined(socket);
      this.takeChatAllowance(peer.id);
      return { message: room.addChat(peer, text, randomUUID()) };
    });
  }

  @SubscribeMessage('raiseHand')
  raiseHand(@ConnectedSocket() socket: MeetingSocket, @MessageBody() body: unknown): Promise<Ack> {
    return this.answer(() => {
      const raised = new Payload(body).bool('raised');
      const { room, peer } = this.joined(socket);
      peer.handRaised = raised;
      this.namespace.to(meetingRoom(room.meetingId)).emit('handRaised', { peerId: peer.id, raised });
      return {};
    });
  }

  @SubscribeMessage('mutePeer')
  mutePeer(
    @ConnectedSocket() socket: MeetingSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<{ producerIds: string[] }>> {
    return this.answer(async () => {
      const payload = new Payload(body);
      const peerId = payload.id('peerId');
      const kind = payload.oneOf('kind', KINDS, 'audio');
      const { room, peer } = this.joined(socket);
      if (!peer.isHost) {
        throw hostRequired();
      }
      return { producerIds: await room.mute(room.peer(peerId), kind) };
    });
  }

  @SubscribeMessage('removePeer')
  removePeer(@ConnectedSocket() socket: MeetingSocket, @MessageBody() body: unknown): Promise<Ack> {
    return this.answer(async () => {
      const peerId = new Payload(body).id('peerId');
      const { room, peer } = this.joined(socket);
      if (!peer.isHost) {
        throw hostRequired();
      }
      const target = room.peers.get(peerId) ?? room.waiting.get(peerId);
      if (!target) {
        throw new MeetingError(MeetingErrorCode.ObjectNotFound, `No peer ${peerId} in this meeting`, { peerId });
      }
      this.namespace.to(target.socketId).emit('removed', { reason: 'removed-by-host' });
      await this.leaveRoom(target.socketId);
      this.namespace.sockets.get(target.socketId)?.disconnect(true);
      return {};
    });
  }

  @SubscribeMessage('endMeeting')
  endMeeting(@ConnectedSocket() socket: MeetingSocket): Promise<Ack> {
    return this.answer(async () => {
      const { room, peer } = this.joined(socket);
      if (!peer.isHost) {
        throw hostRequired();
      }
      await this.meetings.end(room.meetingId);
      return {};
    });
  }

  @SubscribeMessage('leave')
  leave(@ConnectedSocket() socket: MeetingSocket): Promise<Ack> {
    return this.answer(async () => {
      await this.leaveRoom(socket.id);
      // After the acknowledgement has gone out.
      setImmediate(() => socket.disconnect(true));
      return {};
    });
  }

  // ---- internals ----

  private async authenticate(socket: MeetingSocket): Promise<void> {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token.length === 0) {
      throw new MeetingError(
        MeetingErrorCode.JoinTokenInvalid,
        'Connect with auth: { token: <join token from POST /video/meetings/{id}/join-token> }',
      );
    }
    const claims = await this.tokens.verify(token.replace(/^Bearer\s+/i, ''));
    const em = this.em.fork();
    const meeting = await em.findOne(Meeting, claims.mid);
    if (!meeting) {
      throw meetingNotFound();
    }
    assertJoinable(meeting);
    let identity: PeerIdentity;
    if (claims.role === 'guest') {
      identity = { subject: claims.sub, userId: null, displayName: claims.name ?? 'Guest', role: 'guest' };
    } else {
      const user = await em.findOne(User, claims.sub);
      if (!user || !user.isActive) {
        throw new MeetingError(MeetingErrorCode.JoinTokenInvalid, 'The meeting join token is invalid or expired');
      }
      identity = {
        subject: claims.sub,
        userId: user.id,
        displayName: user.displayName || user.username,
        role: claims.role,
      };
    }
    socket.data.claims = claims;
    socket.data.identity = identity;
  }

  private joined(socket: MeetingSocket): { room: MeetingRoom; peer: Peer } {
    const entry = this.peers.get(socket.id);
    if (!entry || !entry.room.peers.has(entry.peer.id) || entry.room.isClosed) {
      throw new MeetingError(MeetingErrorCode.NotJoined, 'Join the meeting first (`join`)');
    }
    return entry;
  }

  private joinResult(room: MeetingRoom, peer: Peer, waiting: boolean): JoinResult {
    return {
      peerId: peer.id,
      meetingId: room.meetingId,
      role: peer.identity.role,
      waiting,
      routerRtpCapabilities: waiting ? null : room.rtpCapabilities,
      iceServers: waiting ? [] : iceServersFor(this.config.turn, peer.id),
      peers: waiting ? [] : [...room.peers.values()].filter((p) => p !== peer).map((p) => p.info()),
      chat: waiting ? [] : [...room.chat],
      activeSpeaker: waiting ? null : room.activeSpeaker,
      recordingId: room.recordingId,
    };
  }

  private setProducerPaused(socket: MeetingSocket, body: unknown, paused: boolean): Promise<Ack> {
    return this.answer(async () => {
      const producerId = new Payload(body).id('producerId');
      const { room, peer } = this.joined(socket);
      await room.setProducerPaused(peer, producerId, paused, false);
      return {};
    });
  }

  /** Takes the peer out of its room (media closed, `peerLeft`, participant row closed); the last one closes it. */
  private async leaveRoom(socketId: string, closeIfEmpty = true): Promise<void> {
    const entry = this.peers.get(socketId);
    if (!entry) {
      return;
    }
    this.peers.delete(socketId);
    this.chatSent.delete(entry.peer.id);
    const { room, peer } = entry;
    room.waiting.delete(peer.id);
    const wasJoined = room.peers.delete(peer.id);
    peer.closeMedia();
    void this.namespace.sockets.get(socketId)?.leave(meetingRoom(room.meetingId));
    if (wasJoined) {
      this.namespace.to(meetingRoom(room.meetingId)).emit('peerLeft', { peerId: peer.id });
    }
    if (closeIfEmpty) {
      this.rooms.closeIfEmpty(room);
    }
    if (peer.participantRowId) {
      await this.meetings.recordLeave(peer.participantRowId).catch((error: unknown) => {
        this.logger.warn({ err: error }, 'participant leave not recorded');
      });
    }
  }

  /** The meeting ended: everyone hears `removed` and is disconnected (on every node, through the adapter). */
  private endedEverywhere(meetingId: string): void {
    this.namespace.to(meetingRoom(meetingId)).emit('removed', { reason: 'meeting-ended' });
    for (const [socketId, entry] of this.peers) {
      if (entry.room.meetingId === meetingId && entry.room.waiting.has(entry.peer.id)) {
        this.namespace.to(socketId).emit('removed', { reason: 'meeting-ended' });
      }
    }
    this.rooms.closeEnded(meetingId);
    this.namespace.in(meetingRoom(meetingId)).disconnectSockets(true);
  }

  private takeChatAllowance(peerId: string): void {
    const now = Date.now();
    const recent = (this.chatSent.get(peerId) ?? []).filter((at) => now - at < CHAT_WINDOW_MS);
    if (recent.length >= CHAT_BURST) {
      throw new MeetingError(MeetingErrorCode.RateLimited, `At most ${CHAT_BURST} chat messages per 10 seconds`, {
        retryAfterMs: CHAT_WINDOW_MS - (now - recent[0]),
      });
    }
    recent.push(now);
    this.chatSent.set(peerId, recent);
  }

  private async answer<T extends object>(handler: () => T | Promise<T>): Promise<Ack<T>> {
    try {
      return { ok: true, ...(await handler()) };
    } catch (error) {
      if (error instanceof AppError) {
        const { code, message, details } = error as AppError;
        return { ok: false, code, message, ...(details === undefined ? {} : { details }) };
      }
      if (error instanceof TypeError) {
        // mediasoup refuses malformed RTP/DTLS parameters with a TypeError naming what is wrong.
        return { ok: false, code: PlatformErrorCode.ValidationFailed, message: error.message };
      }
      this.logger.error({ err: error }, 'meeting signalling request failed');
      return { ok: false, code: PlatformErrorCode.Internal, message: 'Internal error' };
    }
  }
}

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
import { PlatformError, PlatformErrorCode } from 'src/common/errors/app-error';
import { AppConfigService } from 'src/config/app-config.service';
import { MetricsService } from 'src/modules/metrics/metrics.service';
import { handshakeRefusal } from 'src/realtime/socket-handshake';
import { answer, AnswerOptions, parsePayload } from 'src/realtime/socket-toolkit';
import { MeetingJoinClaims } from 'src/modules/meetings/meeting-tokens.service';
import { MeetingError, MeetingErrorCode } from 'src/modules/meetings/meetings.errors';
import { MeetingsService } from 'src/modules/meetings/meetings.service';
import { iceServersFor } from './ice-servers';
import { MeetingAdmissionService } from './meeting-admission.service';
import { MeetingRoom, Peer, PeerIdentity } from './meeting-room';
import { MeetingRoomsService } from './meeting-rooms.service';
import {
  ChatDto,
  ConnectTransportDto,
  ConsumeDto,
  ConsumerRefDto,
  CreateTransportDto,
  JoinDto,
  MutePeerDto,
  PeerRefDto,
  PreferredLayersDto,
  ProduceDto,
  ProducerRefDto,
  RaiseHandDto,
  TransportRefDto,
} from './signalling.dto';
import {
  Ack,
  ConsumeResult,
  JoinResult,
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

  private readonly ack: AnswerOptions = {
    style: 'message',
    logger: this.logger,
    failure: 'meeting signalling request failed',
    // mediasoup refuses malformed RTP/DTLS parameters with a TypeError naming what is wrong.
    translate: (error) =>
      error instanceof TypeError ? new PlatformError(PlatformErrorCode.ValidationFailed, error.message) : undefined,
  };

  constructor(
    private readonly admission: MeetingAdmissionService,
    private readonly meetings: MeetingsService,
    private readonly rooms: MeetingRoomsService,
    private readonly config: AppConfigService,
    private readonly metrics: MetricsService,
  ) {}

  afterInit(namespace: Namespace): void {
    namespace.use((socket, next) => {
      this.admission.authenticate(socket.handshake.auth).then(
        ({ claims, identity }) => {
          const data = (socket as MeetingSocket).data;
          data.claims = claims;
          data.identity = identity;
          next();
        },
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
    return answer(async () => {
      const { displayName } = parsePayload(JoinDto, body);
      const { claims } = socket.data;
      const current = this.peers.get(socket.id);
      if (current && current.room.peers.has(current.peer.id)) {
        return this.joinResult(current.room, current.peer, false);
      }
      const meeting = await this.admission.joinable(claims.mid);
      const twin = this.admission.replaced(this.rooms.get(meeting.id), socket.data.identity.subject, socket.id);
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
      let decision: 'enter' | 'wait';
      try {
        decision = this.admission.admit(meeting, room, peer, socket.data.admitted === true);
      } catch (error) {
        this.rooms.closeIfEmpty(room);
        throw error;
      }
      this.peers.set(socket.id, { room, peer });
      if (decision === 'wait') {
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
    }, this.ack);
  }

  @SubscribeMessage('admitPeer')
  admitPeer(@ConnectedSocket() socket: MeetingSocket, @MessageBody() body: unknown): Promise<Ack> {
    return answer(() => {
      const { peerId } = parsePayload(PeerRefDto, body);
      const { room, peer } = this.joined(socket);
      this.admission.assertHost(peer);
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
    }, this.ack);
  }

  @SubscribeMessage('createTransport')
  createTransport(
    @ConnectedSocket() socket: MeetingSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<TransportResult>> {
    return answer(async () => {
      const { direction } = parsePayload(CreateTransportDto, body);
      const { room, peer } = this.joined(socket);
      return room.createTransport(peer, direction);
    }, this.ack);
  }

  @SubscribeMessage('connectTransport')
  connectTransport(@ConnectedSocket() socket: MeetingSocket, @MessageBody() body: unknown): Promise<Ack> {
    return answer(async () => {
      const { transportId, dtlsParameters } = parsePayload(ConnectTransportDto, body);
      await this.joined(socket).peer.transport(transportId).connect({ dtlsParameters });
      return {};
    }, this.ack);
  }

  @SubscribeMessage('restartIce')
  restartIce(
    @ConnectedSocket() socket: MeetingSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<{ iceParameters: ms.IceParameters }>> {
    return answer(async () => {
      const { transportId } = parsePayload(TransportRefDto, body);
      return { iceParameters: await this.joined(socket).peer.transport(transportId).restartIce() };
    }, this.ack);
  }

  @SubscribeMessage('produce')
  produce(
    @ConnectedSocket() socket: MeetingSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<{ producerId: string }>> {
    return answer(async () => {
      const { transportId, kind, rtpParameters, appData } = parsePayload(ProduceDto, body);
      const source = appData?.source ?? (kind === 'audio' ? 'mic' : 'webcam');
      const { room, peer } = this.joined(socket);
      return { producerId: await room.produce(peer, transportId, kind, rtpParameters, source) };
    }, this.ack);
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
    return answer(() => {
      const { producerId } = parsePayload(ProducerRefDto, body);
      const { room, peer } = this.joined(socket);
      room.closeProducer(peer, producerId);
      return {};
    }, this.ack);
  }

  @SubscribeMessage('consume')
  consume(@ConnectedSocket() socket: MeetingSocket, @MessageBody() body: unknown): Promise<Ack<ConsumeResult>> {
    return answer(async () => {
      const { producerId, rtpCapabilities } = parsePayload(ConsumeDto, body);
      const { room, peer } = this.joined(socket);
      return room.consume(peer, producerId, rtpCapabilities);
    }, this.ack);
  }

  @SubscribeMessage('resumeConsumer')
  resumeConsumer(@ConnectedSocket() socket: MeetingSocket, @MessageBody() body: unknown): Promise<Ack> {
    return answer(async () => {
      const { consumerId } = parsePayload(ConsumerRefDto, body);
      await this.joined(socket).peer.consumer(consumerId).resume();
      return {};
    }, this.ack);
  }

  @SubscribeMessage('pauseConsumer')
  pauseConsumer(@ConnectedSocket() socket: MeetingSocket, @MessageBody() body: unknown): Promise<Ack> {
    return answer(async () => {
      const { consumerId } = parsePayload(ConsumerRefDto, body);
      await this.joined(socket).peer.consumer(consumerId).pause();
      return {};
    }, this.ack);
  }

  @SubscribeMessage('setPreferredLayers')
  setPreferredLayers(@ConnectedSocket() socket: MeetingSocket, @MessageBody() body: unknown): Promise<Ack> {
    return answer(async () => {
      const { consumerId, spatialLayer, temporalLayer } = parsePayload(PreferredLayersDto, body);
      await this.joined(socket).peer.consumer(consumerId).setPreferredLayers({ spatialLayer, temporalLayer });
      return {};
    }, this.ack);
  }

  @SubscribeMessage('chat')
  chat(
    @ConnectedSocket() socket: MeetingSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<{ message: MeetingChatMessage }>> {
    return answer(() => {
      const { text } = parsePayload(ChatDto, body);
      const { room, peer } = this.joined(socket);
      this.takeChatAllowance(peer.id);
      return { message: room.addChat(peer, text, randomUUID()) };
    }, this.ack);
  }

  @SubscribeMessage('raiseHand')
  raiseHand(@ConnectedSocket() socket: MeetingSocket, @MessageBody() body: unknown): Promise<Ack> {
    return answer(() => {
      const { raised } = parsePayload(RaiseHandDto, body);
      const { room, peer } = this.joined(socket);
      peer.handRaised = raised;
      this.namespace.to(meetingRoom(room.meetingId)).emit('handRaised', { peerId: peer.id, raised });
      return {};
    }, this.ack);
  }

  @SubscribeMessage('mutePeer')
  mutePeer(
    @ConnectedSocket() socket: MeetingSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<{ producerIds: string[] }>> {
    return answer(async () => {
      const { peerId, kind = 'audio' } = parsePayload(MutePeerDto, body);
      const { room, peer } = this.joined(socket);
      this.admission.assertHost(peer);
      return { producerIds: await room.mute(room.peer(peerId), kind) };
    }, this.ack);
  }

  @SubscribeMessage('removePeer')
  removePeer(@ConnectedSocket() socket: MeetingSocket, @MessageBody() body: unknown): Promise<Ack> {
    return answer(async () => {
      const { peerId } = parsePayload(PeerRefDto, body);
      const { room, peer } = this.joined(socket);
      this.admission.assertHost(peer);
      const target = room.peers.get(peerId) ?? room.waiting.get(peerId);
      if (!target) {
        throw new MeetingError(MeetingErrorCode.ObjectNotFound, `No peer ${peerId} in this meeting`, { peerId });
      }
      this.namespace.to(target.socketId).emit('removed', { reason: 'removed-by-host' });
      await this.leaveRoom(target.socketId);
      this.namespace.sockets.get(target.socketId)?.disconnect(true);
      return {};
    }, this.ack);
  }

  @SubscribeMessage('endMeeting')
  endMeeting(@ConnectedSocket() socket: MeetingSocket): Promise<Ack> {
    return answer(async () => {
      const { room, peer } = this.joined(socket);
      this.admission.assertHost(peer);
      await this.meetings.end(room.meetingId);
      return {};
    }, this.ack);
  }

  @SubscribeMessage('leave')
  leave(@ConnectedSocket() socket: MeetingSocket): Promise<Ack> {
    return answer(async () => {
      await this.leaveRoom(socket.id);
      // After the acknowledgement has gone out.
      setImmediate(() => socket.disconnect(true));
      return {};
    }, this.ack);
  }

  // ---- internals ----

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
    return answer(async () => {
      const { producerId } = parsePayload(ProducerRefDto, body);
      const { room, peer } = this.joined(socket);
      await room.setProducerPaused(peer, producerId, paused, false);
      return {};
    }, this.ack);
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
}

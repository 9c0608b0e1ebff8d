import { EventEmitter } from 'node:events';
import type { types as ms } from 'mediasoup';
import type { MeetingRole } from 'src/modules/meetings/meeting-tokens.service';
import { MeetingError, MeetingErrorCode } from 'src/modules/meetings/meetings.errors';
import type {
  ConsumeResult,
  MediaSource,
  MeetingChatMessage,
  MeetingServerEvents,
  PeerInfo,
  ProducerInfo,
  TransportResult,
} from './signalling.events';

/** How a room reaches its peers' sockets (the gateway implements it over the namespace). */
export interface RoomChannel {
  /** To every joined peer of the meeting, except `exceptPeerId`. */
  toAll<E extends keyof MeetingServerEvents>(
    event: E,
    body: Parameters<MeetingServerEvents[E]>[0],
    exceptPeerId?: string,
  ): void;
  toPeer<E extends keyof MeetingServerEvents>(peer: Peer, event: E, body: Parameters<MeetingServerEvents[E]>[0]): void;
}

export interface PeerIdentity {
  /** The join token's `sub` (user id, or `guest:<uuid>`): one peer per subject and meeting. */
  subject: string;
  userId: string | null;
  displayName: string;
  role: MeetingRole;
}

export type TransportDirection = 'send' | 'recv';

/** Chat messages kept for late joiners while the meeting is live. */
const CHAT_HISTORY = 100;

const notFound = (what: string, id: string): MeetingError =>
  new MeetingError(MeetingErrorCode.ObjectNotFound, `No ${what} ${id} of yours in this meeting`, { id });

/** One participant's connection: its transports, producers and consumers on the room's router. */
export class Peer {
  readonly transports = new Map<string, ms.WebRtcTransport>();
  readonly producers = new Map<string, ms.Producer>();
  readonly consumers = new Map<string, ms.Consumer>();
  handRaised = false;
  /** Kinds the host muted: new producers of them start paused, until the peer resumes one itself. */
  readonly hostMuted = new Set<ms.MediaKind>();
  /** The meeting_participants row of this presence (closed when the peer leaves). */
  participantRowId?: string;

  constructor(
    readonly id: string,
    readonly socketId: string,
    readonly identity: PeerIdentity,
  ) {}

  get isHost(): boolean {
    return this.identity.role === 'host';
  }

  info(): PeerInfo {
    return {
      peerId: this.id,
      userId: this.identity.userId,
      displayName: this.identity.displayName,
      role: this.identity.role,
      handRaised: this.handRaised,
      producers: [...this.producers.values()].map(producerInfo),
    };
  }

  transport(id: string): ms.WebRtcTransport {
    const transport = this.transports.get(id);
    if (!transport) {
      throw notFound('transport', id);
    }
    return transport;
  }

  producer(id: string): ms.Producer {
    const producer = this.producers.get(id);
    if (!producer) {
      throw notFound('producer', id);
    }
    return producer;
  }

  consumer(id: string): ms.Consumer {
    const consumer = this.consumers.get(id);
    if (!consumer) {
      throw notFound('consumer', id);
    }
    return consumer;
  }

  /** Closes the transports (and with them every producer and consumer on them). */
  closeMedia(): void {
    for (const transport of this.transports.values()) {
      transport.close();
    }
    this.forgetMedia();
  }

  /** After the router went away with its worker: the objects are closed already. */
  forgetMedia(): void {
    this.transports.clear();
    this.producers.clear();
    this.consumers.clear();
  }
}

export function producerInfo(producer: ms.Producer): ProducerInfo {
  return {
    producerId: producer.id,
    kind: producer.kind,
    source: (producer.appData as { source: MediaSource }).source,
    paused: producer.paused,
  };
}

/**
 * One live meeting on this node: its router (on one worker of the pool), the active-speaker and audio-level
 * observers, the joined peers and those waiting to be admitted, and the recent chat. Every media operation of a peer
 * goes through here, so a peer only ever touches its own transports, producers and consumers.
 */
export class MeetingRoom extends EventEmitter<{ producer: [Peer, ms.Producer]; close: [] }> {
  readonly peers = new Map<string, Peer>();
  readonly waiting = new Map<string, Peer>();
  readonly chat: MeetingChatMessage[] = [];
  /** The dominant speaker now (told to peers as they join). */
  activeSpeaker: { peerId: string; producerId: string } | null = null;
  /** The recording in progress (set by MeetingRecordingsService). */
  recordingId: string | null = null;
  private router!: ms.Router;
  private audioLevels!: ms.AudioLevelObserver;
  private speakerObserver!: ms.ActiveSpeakerObserver;
  private closed = false;

  constructor(
    readonly meetingId: string,
    private readonly channel: RoomChannel,
    private readonly transportFactory: (
      router: ms.Router,
      appData: Record<string, unknown>,
    ) => Promise<ms.WebRtcTransport>,
  ) {
    super();
  }

  get routerId(): string {
    return this.router.id;
  }

  /** The meeting's router (recorders attach their PlainTransports here). */
  get mediaRouter(): ms.Router {
    return this.router;
  }

  /** To every joined peer (e.g. `recordingStarted`). */
  notify<E extends keyof MeetingServerEvents>(event: E, body: Parameters<MeetingServerEvents[E]>[0]): void {
    this.channel.toAll(event, body);
  }

  get rtpCapabilities(): ms.RtpCapabilities {
    return this.router.rtpCapabilities;
  }

  get isEmpty(): boolean {
    return this.peers.size === 0 && this.waiting.size === 0;
  }

  /** Puts the room on `router` (first open, or again after its worker died) with fresh observers. */
  async attach(router: ms.Router): Promise<void> {
    this.router = router;
    this.audioLevels = await router.createAudioLevelObserver({ maxEntries: 10, threshold: -70, interval: 800 });
    this.speakerObserver = await router.createActiveSpeakerObserver({ interval: 300 });
    this.audioLevels.on('volumes', (volumes: ms.AudioLevelObserverVolume[]) => {
      this.channel.toAll('audioLevels', {
        levels: volumes.map((v) => ({ peerId: peerIdOf(v.producer), producerId: v.producer.id, volume: v.volume })),
      });
    });
    this.audioLevels.on('silence', () => this.channel.toAll('audioLevels', { levels: [] }));
    this.speakerObserver.on('dominantspeaker', ({ producer }: ms.ActiveSpeakerObserverActivity) => {
      this.activeSpeaker = { peerId: peerIdOf(producer), producerId: producer.id };
      this.channel.toAll('activeSpeaker', this.activeSpeaker);
    });
  }

  /**
   * The worker hosting the router died (every transport, producer and consumer went with it): move to `router` and
   * tell everyone to reconnect their media; their producers come back as `newProducer`.
   */
  async recover(router: ms.Router): Promise<void> {
    this.activeSpeaker = null;
    for (const peer of this.peers.values()) {
      peer.forgetMedia();
    }
    await this.attach(router);
    this.channel.toAll('mediaReconnect', { reason: 'sfu-restart', routerRtpCapabilities: router.rtpCapabilities });
  }

  close(): void {
    this.closed = true;
    this.router.close();
    this.emit('close');
  }

  get isClosed(): boolean {
    return this.closed || this.router.closed;
  }

  peer(peerId: string): Peer {
    const peer = this.peers.get(peerId);
    if (!peer) {
      throw new MeetingError(MeetingErrorCode.ObjectNotFound, `No peer ${peerId} in this meeting`, { peerId });
    }
    return peer;
  }

  async createTransport(peer: Peer, direction: TransportDirection): Promise<TransportResult> {
    // One transport per direction: a second request for the same direction replaces the first.
    for (const existing of peer.transports.values()) {
      if ((existing.appData as { direction: TransportDirection }).direction === direction) {
        existing.close();
        peer.transports.delete(existing.id);
      }
    }
    const transport = await this.transportFactory(this.router, { peerId: peer.id, direction });
    peer.transports.set(transport.id, transport);
    transport.observer.once('close', () => peer.transports.delete(transport.id));
    return {
      transportId: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: transport.dtlsParameters,
    };
  }

  async produce(
    peer: Peer,
    transportId: string,
    kind: ms.MediaKind,
    rtpParameters: ms.RtpParameters,
    source: MediaSource,
  ): Promise<string> {
    const transport = peer.transport(transportId);
    const producer = await transport.produce({
      kind,
      rtpParameters,
      paused: peer.hostMuted.has(kind),
      appData: { peerId: peer.id, source },
    });
    peer.producers.set(producer.id, producer);
    producer.observer.once('close', () => {
      peer.producers.delete(producer.id);
      if (this.activeSpeaker?.producerId === producer.id) {
        this.activeSpeaker = null;
      }
    });
    producer.on('transportclose', () => {
      if (!this.isClosed) {
        this.channel.toAll('producerClosed', { peerId: peer.id, producerId: producer.id }, peer.id);
      }
    });
    if (kind === 'audio') {
      await this.audioLevels.addProducer({ producerId: producer.id });
      await this.speakerObserver.addProducer({ producerId: producer.id });
    }
    this.channel.toAll('newProducer', { peerId: peer.id, ...producerInfo(producer) }, peer.id);
    this.emit('producer', peer, producer);
    return producer.id;
  }

  async setProducerPaused(peer: Peer, producerId: string, paused: boolean, byHost: boolean): Promise<void> {
    const producer = peer.producer(producerId);
    if (paused) {
      await producer.pause();
    } else {
      await producer.resume();
      peer.hostMuted.delete(producer.kind);
    }
    this.channel.toAll(paused ? 'producerPaused' : 'producerResumed', { peerId: peer.id, producerId, byHost });
  }

  closeProducer(peer: Peer, producerId: string): void {
    peer.producer(producerId).close();
    this.channel.toAll('producerClosed', { peerId: peer.id, producerId }, peer.id);
  }

  async consume(peer: Peer, producerId: string, rtpCapabilities: ms.RtpCapabilities): Promise<ConsumeResult> {
    const owner = [...this.peers.values()].find((p) => p.producers.has(producerId));
    if (!owner) {
      throw new MeetingError(MeetingErrorCode.ObjectNotFound, `No producer ${producerId} in this meeting`, {
        producerId,
      });
    }
    if (!this.router.canConsume({ producerId, rtpCapabilities })) {
      throw new MeetingError(MeetingErrorCode.CannotConsume, 'The device cannot receive this producer’s codec', {
        field: 'rtpCapabilities',
      });
    }
    const transport = [...peer.transports.values()].find(
      (t) => (t.appData as { direction: TransportDirection }).direction === 'recv',
    );
    if (!transport) {
      throw new MeetingError(MeetingErrorCode.ObjectNotFound, 'Create a recv transport before consuming', {
        field: 'transportId',
      });
    }
    const consumer = await transport.consume({ producerId, rtpCapabilities, paused: true });
    peer.consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => peer.consumers.delete(consumer.id));
    consumer.on('producerclose', () => {
      this.channel.toPeer(peer, 'consumerClosed', { consumerId: consumer.id, producerId });
    });
    consumer.on('layerschange', (layers?: ms.ConsumerLayers) => {
      this.channel.toPeer(peer, 'consumerLayersChanged', {
        consumerId: consumer.id,
        spatialLayer: layers?.spatialLayer ?? null,
        temporalLayer: layers?.temporalLayer ?? null,
      });
    });
    return {
      consumerId: consumer.id,
      producerId,
      peerId: owner.id,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters,
      type: consumer.type,
      producerPaused: consumer.producerPaused,
    };
  }

  /** The host mutes a peer: its producers of `kind` are paused in the SFU (the peer may unmute itself). */
  async mute(target: Peer, kind: ms.MediaKind): Promise<string[]> {
    const producers = [...target.producers.values()].filter((p) => p.kind === kind && !p.paused);
    for (const producer of producers) {
      await this.setProducerPaused(target, producer.id, true, true);
    }
    target.hostMuted.add(kind);
    const producerIds = producers.map((p) => p.id);
    this.channel.toPeer(target, 'mutedByHost', { kind, producerIds });
    return producerIds;
  }

  addChat(peer: Peer, text: string, id: string): MeetingChatMessage {
    const message: MeetingChatMessage = {
      id,
      peerId: peer.id,
      displayName: peer.identity.displayName,
      text,
      sentAt: new Date().toISOString(),
    };
    this.chat.push(message);
    if (this.chat.length > CHAT_HISTORY) {
      this.chat.shift();
    }
    this.channel.toAll('chatMessage', message);
    return message;
  }
}

function peerIdOf(producer: ms.Producer): string {
  return (producer.appData as { peerId: string }).peerId;
}

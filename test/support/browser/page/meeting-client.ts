/**
 * The browser side of the meetings e2e test: a participant speaking the `/meetings` signalling protocol (README,
 * Meetings) with mediasoup-client and socket.io-client, as a web app would. Bundled by ../browser-harness.ts with
 * esbuild and driven by the test through `window.meeting` (../meeting-page.types.ts).
 */
import { Device } from 'mediasoup-client';
import type { types } from 'mediasoup-client';
import { io, type Socket } from 'socket.io-client';
import type {
  ConsumerStats,
  JoinOptions,
  JoinSummary,
  LocalProducer,
  MeetingPageApi,
  ProduceOptions,
  ProducerStats,
  RecordedEvent,
  RequestFailure,
} from '../meeting-page.types';

const REQUEST_TIMEOUT_MS = 15_000;

/** Simulcast as mediasoup-demo sends it: three spatial layers, the smallest first. */
const WEBCAM_SIMULCAST: types.RtpEncodingParameters[] = [
  { scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
];

interface ProducerInfo {
  producerId: string;
  peerId: string;
  kind: string;
}

interface ConsumerEntry {
  consumer: types.Consumer;
  peerId: string;
  type: string;
  producerPaused: boolean;
  element: HTMLMediaElement;
}

class RequestError extends Error implements RequestFailure {
  constructor(
    readonly request: string,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(`${request}: ${code} ${message}${details ? ` ${JSON.stringify(details)}` : ''}`);
  }
}

type Answer = { ok: true } & Record<string, any>;

class MeetingClient implements MeetingPageApi {
  private socket?: Socket;
  private device?: Device;
  private sendTransport?: types.Transport;
  private recvTransport?: types.Transport;
  private iceServers: RTCIceServer[] = [];
  private peerId = '';
  private readonly recorded: RecordedEvent[] = [];
  private readonly errors: string[] = [];
  private readonly localProducers = new Map<string, { producer: types.Producer; source: string; encodings: number }>();
  private readonly consumers = new Map<string, ConsumerEntry>();
  /** Producers seen (join answer, newProducer) before the receive transport existed. */
  private pending: ProducerInfo[] = [];
  private readonly consumedProducers = new Set<string>();
  /** Consumes run one at a time (mediasoup-client renegotiates the receive transport for each). */
  private consumeChain: Promise<void> = Promise.resolve();
  private tracks: MediaStreamTrack[] = [];

  async probeMedia(): Promise<Awaited<ReturnType<MeetingPageApi['probeMedia']>>> {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 360 } });
    const result = {
      audio: stream.getAudioTracks().map((t) => `${t.kind}:${t.readyState}:${t.label}`),
      video: stream.getVideoTracks().map((t) => `${t.kind}:${t.readyState}:${t.label}`),
      videoSettings: (({ width, height }) => ({ width, height }))(stream.getVideoTracks()[0]?.getSettings() ?? {}),
      handlerName: new Device().handlerName,
    };
    stream.getTracks().forEach((t) => t.stop());
    return result;
  }

  async join({ baseUrl, token, displayName }: JoinOptions): Promise<JoinSummary> {
    const socket = io(`${baseUrl}/meetings`, {
      auth: { token },
      // Only WebSocket: the page is served from another origin than the API (WebSocket needs no CORS).
      transports: ['websocket'],
      reconnection: false,
    });
    this.socket = socket;
    socket.onAny((name: string, payload: unknown) => {
      this.recorded.push({ name, payload, at: Date.now() });
      this.onEvent(name, payload as Record<string, any>);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (error: Error & { data?: RequestFailure }) => {
        reject(new RequestError('connect', error.data?.code ?? 'CONNECT_ERROR', error.data?.message ?? error.message));
      });
    });

    return this.sendJoin(displayName ? { displayName } : {});
  }

  /** `join` (again after `admitted` when the meeting has a waiting room), then the media set-up. */
  private async sendJoin(payload: Record<string, unknown>): Promise<JoinSummary> {
    const joined = await this.send('join', payload);
    this.peerId = joined.peerId as string;
    this.iceServers = (joined.iceServers as RTCIceServer[] | undefined) ?? [];
    const peers = joined.peers as JoinSummary['peers'];
    for (const peer of peers) {
      for (const p of peer.producers) {
        this.pending.push({ producerId: p.producerId, peerId: peer.peerId, kind: p.kind });
      }
    }
    // A peer in the waiting room gets no router capabilities until the host admits it.
    const waiting = Boolean(joined.waiting);
    if (!waiting) {
      await this.setUpMedia(joined.routerRtpCapabilities as types.RtpCapabilities);
    }
    return {
      waiting,
      peerId: this.peerId,
      meetingId: joined.meetingId as string,
      role: joined.role as string,
      peers: peers.map((p) => ({
        peerId: p.peerId,
        displayName: p.displayName,
        producers: p.producers.map(({ producerId, kind }) => ({ producerId, kind })),
      })),
      handlerName: this.device?.handlerName ?? '',
      activeSpeaker: (joined.activeSpeaker as JoinSummary['activeSpeaker'] | undefined) ?? null,
    };
  }

  async produce({ audio = true, video = true, simulcast = true }: ProduceOptions = {}): Promise<LocalProducer[]> {
    if (!this.tracks.length) {
      const stream = await navigator.mediaDevices.getUserMedia({
        audio,
        video: video ? { width: 640, height: 360, frameRate: 15 } : false,
      });
      this.tracks = stream.getTracks();
    }
    await this.produceTracks(simulcast);
    return this.producers();
  }

  producers(): Promise<LocalProducer[]> {
    return Promise.resolve(
      [...this.localProducers.values()].map(({ producer, source, encodings }) => ({
        producerId: producer.id,
        kind: producer.kind,
        source,
        paused: producer.paused,
        encodings,
      })),
    );
  }

  async consumerStats(): Promise<ConsumerStats[]> {
    await this.consumeChain;
    const out: ConsumerStats[] = [];
    for (const { consumer, peerId, type, producerPaused } of this.consumers.values()) {
      const summary: ConsumerStats = {
        consumerId: consumer.id,
        producerId: consumer.producerId,
        peerId,
        kind: consumer.kind,
        type,
        paused: consumer.paused,
        producerPaused,
        closed: consumer.closed,
        bytesReceived: 0,
        packetsReceived: 0,
        framesDecoded: 0,
      };
      if (!consumer.closed) {
        const report = await consumer.getStats();
        report.forEach((s: Record<string, any>) => {
          if (s.type === 'inbound-rtp') {
            summary.bytesReceived += Number(s.bytesReceived ?? 0);
            summary.packetsReceived += Number(s.packetsReceived ?? 0);
            summary.framesDecoded += Number(s.framesDecoded ?? 0);
            summary.frameWidth = (s.frameWidth as number | undefined) ?? summary.frameWidth;
          }
        });
      }
      out.push(summary);
    }
    return out;
  }

  async producerStats(): Promise<ProducerStats[]> {
    const out: ProducerStats[] = [];
    for (const { producer } of this.localProducers.values()) {
      const summary: ProducerStats = {
        producerId: producer.id,
        kind: producer.kind,
        paused: producer.paused,
        bytesSent: 0,
        streams: 0,
      };
      if (!producer.closed) {
        const report = await producer.getStats();
        report.forEach((s: Record<string, any>) => {
          if (s.type === 'outbound-rtp') {
            summary.bytesSent += Number(s.bytesSent ?? 0);
            summary.streams += 1;
          }
        });
      }
      out.push(summary);
    }
    return out;
  }

  events(name?: string): Promise<RecordedEvent[]> {
    return Promise.resolve(name ? this.recorded.filter((e) => e.name === name) : [...this.recorded]);
  }

  async request(
    name: string,
    payload: Record<string, unknown> = {},
  ): Promise<{ ok: true; answer: Record<string, unknown> } | ({ ok: false } & RequestFailure)> {
    try {
      const { ok: _ok, ...answer } = await this.send(name, payload);
      return { ok: true, answer };
    } catch (error) {
      if (error instanceof RequestError) {
        return { ok: false, code: error.code, message: error.message, details: error.details };
      }
      throw error;
    }
  }

  async leave(): Promise<void> {
    const socket = this.socket;
    if (!socket?.connected) {
      this.closeMedia();
      return;
    }
    const closed = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
    await this.send('leave', {});
    this.closeMedia();
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    socket.disconnect();
  }

  state(): Promise<{ connected: boolean; errors: string[] }> {
    return Promise.resolve({ connected: this.socket?.connected ?? false, errors: [...this.errors] });
  }

  /** One request with its acknowledgement; a refusal or a timeout throws RequestError. */
  private async send(name: string, payload: Record<string, unknown>): Promise<Answer> {
    if (!this.socket) {
      throw new RequestError(name, 'NOT_CONNECTED', 'join first');
    }
    let answer: Answer | ({ ok: false } & RequestFailure);
    try {
      answer = (await this.socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck(name, payload)) as typeof answer;
    } catch {
      throw new RequestError(name, 'TIMEOUT', `no answer within ${REQUEST_TIMEOUT_MS} ms`);
    }
    if (!answer || typeof answer !== 'object' || typeof answer.ok !== 'boolean') {
      throw new RequestError(name, 'BAD_ANSWER', JSON.stringify(answer));
    }
    if (!answer.ok) {
      throw new RequestError(name, answer.code, answer.message, answer.details);
    }
    return answer;
  }

  /** Device + both transports on the router (after `join`, and again after `mediaReconnect`). */
  private async setUpMedia(routerRtpCapabilities: types.RtpCapabilities): Promise<void> {
    if (!this.device?.loaded) {
      this.device = new Device();
      await this.device.load({ routerRtpCapabilities });
    }
    this.sendTransport = await this.createTransport('send');
    this.recvTransport = await this.createTransport('recv');
    const pending = this.pending;
    this.pending = [];
    pending.forEach((p) => this.enqueueConsume(p));
  }

  private async createTransport(direction: 'send' | 'recv'): Promise<types.Transport> {
    const answer = await this.send('createTransport', { direction });
    const options: types.TransportOptions = {
      id: answer.transportId as string,
      iceParameters: answer.iceParameters as types.IceParameters,
      iceCandidates: answer.iceCandidates as types.IceCandidate[],
      dtlsParameters: answer.dtlsParameters as types.DtlsParameters,
      iceServers: this.iceServers,
    };
    const transport =
      direction === 'send' ? this.device!.createSendTransport(options) : this.device!.createRecvTransport(options);
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.send('connectTransport', { transportId: transport.id, dtlsParameters }).then(() => callback(), errback);
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
        this.send('produce', { transportId: transport.id, kind, rtpParameters, appData: { source: appData.source } })
          .then((answer) => callback({ id: answer.producerId as string }))
          .catch(errback);
      });
    }
    transport.on('connectionstatechange', (state) => {
      if (state === 'failed') {
        this.errors.push(`${direction} transport ${transport.id} failed`);
      }
    });
    return transport;
  }

  private async produceTracks(simulcast: boolean): Promise<void> {
    for (const track of this.tracks) {
      const source = track.kind === 'audio' ? 'mic' : 'webcam';
      if ([...this.localProducers.values()].some((p) => p.source === source && !p.producer.closed)) {
        continue;
      }
      const encodings = track.kind === 'video' && simulcast ? WEBCAM_SIMULCAST : undefined;
      const producer = await this.sendTransport!.produce({
        track,
        encodings,
        codecOptions: track.kind === 'video' ? { videoGoogleStartBitrate: 1000 } : undefined,
        stopTracks: false,
        appData: { source },
      });
      this.localProducers.set(producer.id, {
        producer,
        source,
        encodings: producer.rtpParameters.encodings?.length ?? 0,
      });
    }
  }

  private enqueueConsume(info: ProducerInfo): void {
    if (info.peerId === this.peerId || this.consumedProducers.has(info.producerId)) {
      return;
    }
    if (!this.recvTransport) {
      this.pending.push(info);
      return;
    }
    this.consumedProducers.add(info.producerId);
    this.consumeChain = this.consumeChain
      .then(() => this.consume(info))
      .catch((error: unknown) => {
        this.errors.push(`consume ${info.producerId}: ${error instanceof Error ? error.message : String(error)}`);
      });
  }

  private async consume({ producerId }: ProducerInfo): Promise<void> {
    const transport = this.recvTransport!;
    const answer = await this.send('consume', { producerId, rtpCapabilities: this.device!.rtpCapabilities });
    const consumer = await transport.consume({
      id: answer.consumerId as string,
      producerId: answer.producerId as string,
      kind: answer.kind as 'audio' | 'video',
      rtpParameters: answer.rtpParameters as types.RtpParameters,
    });
    // Decoding is what the test measures: give each track a sink as a web app would.
    const element = document.createElement(consumer.kind === 'video' ? 'video' : 'audio');
    element.autoplay = true;
    element.muted = true;
    element.srcObject = new MediaStream([consumer.track]);
    document.body.appendChild(element);
    element.play().catch(() => undefined);
    this.consumers.set(consumer.id, {
      consumer,
      peerId: answer.peerId as string,
      type: answer.type as string,
      producerPaused: Boolean(answer.producerPaused),
      element,
    });
    await this.send('resumeConsumer', { consumerId: consumer.id });
  }

  private onEvent(name: string, payload: Record<string, any>): void {
    switch (name) {
      case 'newProducer':
        this.enqueueConsume({ producerId: payload.producerId, peerId: payload.peerId, kind: payload.kind });
        break;
      case 'producerPaused':
      case 'producerResumed':
        for (const entry of this.consumers.values()) {
          if (entry.consumer.producerId === payload.producerId) {
            entry.producerPaused = name === 'producerPaused';
          }
        }
        break;
      case 'consumerClosed':
        this.closeConsumer(payload.consumerId as string);
        break;
      case 'producerClosed':
        for (const [id, entry] of this.consumers) {
          if (entry.consumer.producerId === payload.producerId) {
            this.closeConsumer(id);
          }
        }
        break;
      case 'mutedByHost':
        // The server paused them already; pause the local side too so the UI (and getStats) agree.
        for (const id of payload.producerIds as string[]) {
          this.localProducers.get(id)?.producer.pause();
        }
        break;
      case 'admitted':
        this.sendJoin({}).catch((error: unknown) => {
          this.errors.push(`join after admitted: ${error instanceof Error ? error.message : String(error)}`);
        });
        break;
      case 'mediaReconnect':
        this.reconnectMedia(payload.routerRtpCapabilities as types.RtpCapabilities).catch((error: unknown) => {
          this.errors.push(`mediaReconnect: ${error instanceof Error ? error.message : String(error)}`);
        });
        break;
      default:
        break;
    }
  }

  /** `mediaReconnect`: new transports on the meeting's new router, produce again; consumers return as newProducer. */
  private async reconnectMedia(routerRtpCapabilities: types.RtpCapabilities): Promise<void> {
    // The new router knows nothing of this peer: what was paused (muted) must be paused again.
    const pausedSources = new Set(
      [...this.localProducers.values()].filter((p) => p.producer.paused).map((p) => p.source),
    );
    this.sendTransport?.close();
    this.recvTransport?.close();
    this.sendTransport = undefined;
    this.recvTransport = undefined;
    this.localProducers.clear();
    for (const id of [...this.consumers.keys()]) {
      this.closeConsumer(id);
    }
    this.consumedProducers.clear();
    await this.setUpMedia(routerRtpCapabilities);
    await this.produceTracks(true);
    for (const { producer, source } of this.localProducers.values()) {
      if (pausedSources.has(source)) {
        producer.pause();
        await this.send('pauseProducer', { producerId: producer.id });
      }
    }
  }

  private closeConsumer(consumerId: string): void {
    const entry = this.consumers.get(consumerId);
    if (entry) {
      entry.consumer.close();
      entry.element.remove();
    }
  }

  private closeMedia(): void {
    this.sendTransport?.close();
    this.recvTransport?.close();
    this.tracks.forEach((t) => t.stop());
  }
}

declare global {
  interface Window {
    meeting: MeetingPageApi;
  }
}

window.meeting = new MeetingClient();
document.title = 'meeting client ready';

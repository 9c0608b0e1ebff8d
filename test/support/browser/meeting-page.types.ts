/**
 * What the test page (page/meeting-client.ts, bundled for Chromium) exposes on `window.meeting`, and the plain data
 * it hands back to the test. Types only, without DOM types, so both the page and the Node side can import them.
 */

/** A request the server refused (`{ ok: false, code, message, details? }`) or that timed out (`code: 'TIMEOUT'`). */
export interface RequestFailure {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** One event the server pushed on the `/meetings` socket, in arrival order. */
export interface RecordedEvent {
  name: string;
  payload: any;
  at: number;
}

export interface JoinOptions {
  /** The app's base URL, e.g. `http://127.0.0.1:41234` (the socket goes to `${baseUrl}/meetings`). */
  baseUrl: string;
  token: string;
  displayName?: string;
}

export interface JoinSummary {
  peerId: string;
  meetingId: string;
  role: string;
  /** In the meeting's waiting room (no media set up yet). */
  waiting: boolean;
  /** The peers the `join` answer listed, with their producers. */
  peers: { peerId: string; displayName: string; producers: { producerId: string; kind: string }[] }[];
  /** The mediasoup-client handler the device picked (e.g. `Chrome111`). */
  handlerName: string;
  /** The dominant speaker when joining, if any. */
  activeSpeaker: { peerId: string; producerId: string } | null;
}

export interface ProduceOptions {
  audio?: boolean;
  video?: boolean;
  /** Send the webcam as three simulcast encodings (default true). */
  simulcast?: boolean;
}

export interface LocalProducer {
  producerId: string;
  kind: 'audio' | 'video';
  source: string;
  paused: boolean;
  /** Simulcast encodings the producer was created with (RTP parameters as sent to the server). */
  encodings: number;
}

/** A `getStats()` summary of one consumer (its `inbound-rtp` entry). */
export interface ConsumerStats {
  consumerId: string;
  producerId: string;
  peerId: string;
  kind: 'audio' | 'video';
  type: string;
  /** Paused by this client (`pauseConsumer`) or because its producer is paused. */
  paused: boolean;
  producerPaused: boolean;
  closed: boolean;
  bytesReceived: number;
  packetsReceived: number;
  /** Video only (0 for audio). */
  framesDecoded: number;
  frameWidth?: number;
}

/** A `getStats()` summary of one local producer (its `outbound-rtp` entries, summed over simulcast layers). */
export interface ProducerStats {
  producerId: string;
  kind: 'audio' | 'video';
  paused: boolean;
  bytesSent: number;
  /** `outbound-rtp` entries: one per simulcast encoding that is sending. */
  streams: number;
}

/** `window.meeting` in the page. Every method is async and returns plain (structured-cloneable) data. */
export interface MeetingPageApi {
  /** Fake camera and microphone through getUserMedia (Chromium's --use-fake-device-for-media-stream). */
  /** …and which mediasoup-client handler this browser gets (`Chrome111` for Chromium ≥ 111). */
  probeMedia(): Promise<{
    audio: string[];
    video: string[];
    videoSettings: { width?: number; height?: number };
    handlerName: string;
  }>;
  /** Connects to `/meetings` with the join token, sends `join`, loads the device, creates both transports. */
  join(options: JoinOptions): Promise<JoinSummary>;
  /** Microphone and webcam producers (the webcam with simulcast encodings). */
  produce(options?: ProduceOptions): Promise<LocalProducer[]>;
  /** Every consumer this client holds, with its inbound-rtp figures. */
  consumerStats(): Promise<ConsumerStats[]>;
  producerStats(): Promise<ProducerStats[]>;
  producers(): Promise<LocalProducer[]>;
  /** Server events received so far (optionally only those named `name`). */
  events(name?: string): Promise<RecordedEvent[]>;
  /** Any other request of the protocol (`mutePeer`, `chat`, …): resolves with the answer or the refusal. */
  request(
    name: string,
    payload?: Record<string, unknown>,
  ): Promise<{ ok: true; answer: Record<string, unknown> } | ({ ok: false } & RequestFailure)>;
  /** Sends `leave`, closes the transports and waits for the socket to close. */
  leave(): Promise<void>;
  /** Whether the socket is connected, and the errors the client ran into (consume failures, …). */
  state(): Promise<{ connected: boolean; errors: string[] }>;
}

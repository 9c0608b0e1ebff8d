import type { types as ms } from 'mediasoup';
import type { MeetingRole } from 'src/modules/meetings/meeting-tokens.service';

/** The Socket.IO namespace of meeting signalling (README, "Signalling"). */
export const MEETINGS_NAMESPACE = '/meetings';

/** The Socket.IO room of one meeting's peers. */
export const meetingRoom = (meetingId: string): string => `meeting:${meetingId}`;

export type MediaSource = 'mic' | 'webcam' | 'screen';

export interface ProducerInfo {
  producerId: string;
  kind: ms.MediaKind;
  source: MediaSource;
  paused: boolean;
}

export interface PeerInfo {
  peerId: string;
  userId: string | null;
  displayName: string;
  role: MeetingRole;
  handRaised: boolean;
  producers: ProducerInfo[];
}

export interface MeetingChatMessage {
  id: string;
  peerId: string;
  displayName: string;
  text: string;
  sentAt: string;
}

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/**
 * Every acknowledgement: `ok: true` with the request's result, or the error code and message (and details); the
 * socket toolkit's `Ack` in its `message` style.
 */
export type { Ack } from 'src/realtime/socket-toolkit';

export interface JoinResult {
  peerId: string;
  meetingId: string;
  role: MeetingRole;
  /** True while the peer waits in the waiting room: the host's `admitPeer` sends `admitted`, then `join` again. */
  waiting: boolean;
  routerRtpCapabilities: ms.RtpCapabilities | null;
  iceServers: IceServer[];
  peers: PeerInfo[];
  chat: MeetingChatMessage[];
  /** The dominant speaker now, if anyone spoke yet (later changes come as `activeSpeaker`). */
  activeSpeaker: { peerId: string; producerId: string } | null;
  /** The recording in progress, if the host is recording (everyone is told; see `recordingStarted`). */
  recordingId: string | null;
}

export interface TransportResult {
  transportId: string;
  iceParameters: ms.IceParameters;
  iceCandidates: ms.IceCandidate[];
  dtlsParameters: ms.DtlsParameters;
}

export interface ConsumeResult {
  consumerId: string;
  producerId: string;
  peerId: string;
  kind: ms.MediaKind;
  rtpParameters: ms.RtpParameters;
  type: ms.ConsumerType;
  producerPaused: boolean;
}

/** Server → client notifications on `/meetings`. */
export interface MeetingServerEvents {
  peerJoined: (peer: PeerInfo) => void;
  peerLeft: (body: { peerId: string }) => void;
  waitingPeer: (body: { peerId: string; displayName: string; userId: string | null }) => void;
  admitted: (body: { peerId: string }) => void;
  newProducer: (body: ProducerInfo & { peerId: string }) => void;
  producerPaused: (body: { peerId: string; producerId: string; byHost: boolean }) => void;
  producerResumed: (body: { peerId: string; producerId: string; byHost: boolean }) => void;
  producerClosed: (body: { peerId: string; producerId: string }) => void;
  consumerClosed: (body: { consumerId: string; producerId: string }) => void;
  consumerLayersChanged: (body: {
    consumerId: string;
    spatialLayer: number | null;
    temporalLayer: number | null;
  }) => void;
  activeSpeaker: (body: { peerId: string; producerId: string }) => void;
  audioLevels: (body: { levels: { peerId: string; producerId: string; volume: number }[] }) => void;
  mutedByHost: (body: { kind: ms.MediaKind; producerIds: string[] }) => void;
  handRaised: (body: { peerId: string; raised: boolean }) => void;
  chatMessage: (message: MeetingChatMessage) => void;
  mediaReconnect: (body: { reason: 'sfu-restart'; routerRtpCapabilities: ms.RtpCapabilities }) => void;
  recordingStarted: (body: { recordingId: string }) => void;
  recordingStopped: (body: { recordingId: string }) => void;
  removed: (body: { reason: 'removed-by-host' | 'meeting-ended' | 'joined-elsewhere' }) => void;
}

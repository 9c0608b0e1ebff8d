import type { Ack } from './socket-toolkit';

/**
 * The realtime contract: every event the server pushes, with its payload type. Domain code emits through
 * `RealtimeService.toUser` / `toOrganization`, which only accept the names and payloads declared here, and the
 * README lists them for client authors. Add an event here before emitting it.
 *
 * Payloads are small notifications ("something changed, here is its id"), not full resources: clients refetch
 * through the HTTP API, which stays the source of truth (events missed while disconnected are not replayed).
 */
export interface RealtimeEvents {
  /** A mail account's synchronisation state changed (e.g. `syncing` → `idle`, or `error` with a reason). */
  'account.sync_state': { accountId: string; state: string; error?: string };
  /** A new message arrived in a mail account (after its folder's first sync); fetch it with GET /mail/messages/{id}. */
  'mail.received': {
    accountId: string;
    folderId: string;
    id: string;
    subject: string | null;
    from: { name: string | null; address: string | null } | null;
    internalDate: string;
  };
  /** Messages' flags changed (on the server or through the API). */
  'mail.updated': { accountId: string; folderId: string; ids: string[] };
  /** Messages were expunged or moved away from a folder. */
  'mail.deleted': { accountId: string; folderId: string; ids: string[] };
  /** An outgoing message was accepted by the SMTP server (`id` is the outbox entry). */
  'mail.sent': { accountId: string; id: string; messageId: string };
  /** An outgoing message failed for good (after its retries, or refused by the server). */
  'mail.send_failed': { accountId: string; id: string; error: string };
  /** A notification was added to the user's list (GET /notifications); the payload is the whole entry. */
  'notification.created': NotificationPayload;
  /** Notifications of the user were marked read (by one of their clients), so other tabs update their badge. */
  'notification.read': { ids: string[]; readAt: string; unreadCount: number };
  /**
   * One of your reports changed: an admin moved its status or wrote a comment meant for you. Fetch it with
   * GET /reports/{reportId}.
   */
  'report.updated': { reportId: string; status: string; change: 'status' | 'comment' };
  /** A chat import stored another batch of messages (to the importing user; after each batch committed). */
  'chat.import.progress': { importId: string; processed: number; total: number | null };
  /** A chat import finished: its conversation holds `processed` messages. */
  'chat.import.completed': { importId: string; conversationId: string; processed: number };
  /** A chat import failed; nothing of it was kept. `line` (WhatsApp) / `entry` (Telegram) say where in the file. */
  'chat.import.failed': {
    importId: string;
    error: { code: string; message: string; line?: number; entry?: number; path?: string };
  };
  /** A meeting you host or are invited to went live (`POST /video/meetings/{id}/start`); get a join token to enter. */
  'meeting.started': { meetingId: string; organizationId: string; title: string; hostId: string; startedAt: string };
  /** A meeting you host or are invited to ended (`POST /video/meetings/{id}/stop`). */
  'meeting.ended': {
    meetingId: string;
    organizationId: string;
    title: string;
    hostId: string;
    startedAt: string | null;
    endedAt: string;
  };
  /**
   * A call you take part in started: created now (`POST /video/calls`, status in_progress) or a scheduled one whose
   * time came (status ringing). Fetch it with GET /video/calls/{callId}.
   */
  'call.started': {
    callId: string;
    organizationId: string;
    direction: string;
    status: string;
    createdById: string;
    participantIds: string[];
    phoneNumber: string | null;
    meetingId: string | null;
    startedAt: string;
  };
  /** A call you take part in ended (`POST /video/calls/{id}/end`): completed, missed or failed. */
  'call.ended': {
    callId: string;
    organizationId: string;
    status: string;
    endedAt: string;
    durationSeconds: number;
  };
  /** Sent to the sockets of a session just before the server disconnects them because the session ended. */
  'session.revoked': { sessionId: string; reason: string };
}

/** One entry of the notification list, as `GET /api/v1/notifications` returns it. */
export interface NotificationPayload {
  id: string;
  type: string;
  organizationId: string | null;
  title: string;
  body: string;
  data: Record<string, unknown>;
  readAt: string | null;
  createdAt: string;
}

export type RealtimeEventName = keyof RealtimeEvents;

/** Socket.IO's typed-events form of `RealtimeEvents` (event name → listener signature). */
export type ServerToClientEvents = {
  [E in RealtimeEventName]: (payload: RealtimeEvents[E]) => void;
};

/** Answer to `subscribe` / `unsubscribe`. */
export type SubscriptionAck = Ack;

/** What clients may send on `/notifications`. */
export interface ClientToServerEvents {
  /** Join the organization's room (members only): its `toOrganization` events then reach this socket. */
  subscribe: (body: { organizationId: string }, ack: (answer: SubscriptionAck) => void) => void;
  unsubscribe: (body: { organizationId: string }, ack: (answer: SubscriptionAck) => void) => void;
}

/** Server-to-server events (none: nodes share rooms through the Redis adapter). */
export type InterServerEvents = Record<string, never>;

/** The Socket.IO server path (Socket.IO's default), shared by every namespace. */
export const REALTIME_PATH = '/socket.io';
/** The namespace of per-user and per-organization notifications. */
export const NOTIFICATIONS_NAMESPACE = '/notifications';

/** The namespace of chat: messages, typing, presence and read receipts (see `src/modules/chat/chat.events.ts`). */
export const CHAT_NAMESPACE = '/chat';

/** Room names. Every authenticated socket is in its user's and its session's room. */
export const rooms = {
  /** On `/chat`: every socket of every member of the conversation. */
  conversation: (conversationId: string): string => `conversation:${conversationId}`,
  user: (userId: string): string => `user:${userId}`,
  organization: (organizationId: string): string => `org:${organizationId}`,
  session: (sessionId: string): string => `session:${sessionId}`,
};

import type { Ack } from './socket-toolkit';

/**
 * The realtime contract of `/notifications`: every event the server pushes, with its payload type. Domain code
 * emits through `RealtimeService.toUser` / `toOrganization`, which only accept the names and payloads declared on
 * `RealtimeEvents`. The platform declares only its own event (`session.revoked`); each domain adds its events by
 * declaration merging from its folder (`src/modules/<domain>/<domain>.realtime.ts`), and docs/realtime.md lists them.
 *
 * Payloads are small notifications ("something changed, here is its id"), not full resources: clients refetch
 * through the HTTP API, which stays the source of truth (events missed while disconnected are not replayed).
 */
export interface RealtimeEvents {
  /** Sent to the sockets of a session just before the server disconnects them because the session ended. */
  'session.revoked': { sessionId: string; reason: string };
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

/** Room names. Every authenticated socket is in its user's and its session's room. */
export const rooms = {
  user: (userId: string): string => `user:${userId}`,
  organization: (organizationId: string): string => `org:${organizationId}`,
  session: (sessionId: string): string => `session:${sessionId}`,
};

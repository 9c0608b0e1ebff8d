import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Emitter } from '@socket.io/redis-emitter';
import Redis from 'ioredis';
import { REDIS } from 'src/redis/redis.module';
import { NOTIFICATIONS_NAMESPACE, RealtimeEventName, RealtimeEvents, rooms, ServerToClientEvents } from './events';
import { createSocketEmitter } from './socket-toolkit';

/** Injection token: every Socket.IO namespace the domains serve (their definitions' `realtimeNamespaces`). */
export const REALTIME_NAMESPACES = Symbol('REALTIME_NAMESPACES');

/**
 * Pushes events to connected clients, from any process: API nodes and workers alike publish through Redis
 * (`@socket.io/redis-emitter`), and the Redis adapter of every API node delivers to the sockets it holds. So a
 * worker needs no Socket.IO server, and an event reaches a user whichever node their socket is connected to.
 *
 * Delivery is best-effort and at most once: nothing is queued for offline users, and a Redis failure is logged,
 * never thrown into the caller's business logic. Clients treat events as hints and refetch over HTTP.
 */
@Injectable()
export class RealtimeService {
  private readonly logger = new Logger(RealtimeService.name);
  private readonly notifications: Emitter<ServerToClientEvents>;
  /** Other namespaces whose sockets also end with their session (they join `session:<id>` too). */
  private readonly otherNamespaces: Emitter[];

  constructor(@Inject(REDIS) redis: Redis, @Inject(REALTIME_NAMESPACES) namespaces: readonly string[]) {
    const failure = 'realtime event not published';
    this.notifications = createSocketEmitter<ServerToClientEvents>(
      redis,
      NOTIFICATIONS_NAMESPACE,
      this.logger,
      failure,
    );
    this.otherNamespaces = namespaces
      .filter((namespace) => namespace !== NOTIFICATIONS_NAMESPACE)
      .map((namespace) => createSocketEmitter(redis, namespace, this.logger, failure));
  }

  /** To every socket of one user (all their devices and sessions). */
  toUser<E extends RealtimeEventName>(userId: string, event: E, payload: RealtimeEvents[E]): void {
    this.emit(rooms.user(userId), event, payload);
  }

  /** To every socket that subscribed to the organization (members only; see the gateway's `subscribe`). */
  toOrganization<E extends RealtimeEventName>(organizationId: string, event: E, payload: RealtimeEvents[E]): void {
    this.emit(rooms.organization(organizationId), event, payload);
  }

  /** Tells the sockets of ended sessions why, then disconnects them (on every node). */
  endSessions(sessionIds: string[], reason: string): void {
    for (const sessionId of sessionIds) {
      this.emit(rooms.session(sessionId), 'session.revoked', { sessionId, reason });
    }
    if (sessionIds.length > 0) {
      for (const namespace of [this.notifications, ...this.otherNamespaces]) {
        namespace.in(sessionIds.map(rooms.session)).disconnectSockets(true);
      }
    }
  }

  /** Takes a user's sockets out of an organization's room, e.g. once they are no longer a member. */
  leaveOrganization(userId: string, organizationId: string): void {
    this.notifications.in(rooms.user(userId)).socketsLeave(rooms.organization(organizationId));
  }

  private emit<E extends RealtimeEventName>(room: string, event: E, payload: RealtimeEvents[E]): void {
    // TypeScript cannot relate Parameters<ServerToClientEvents[E]> to [RealtimeEvents[E]] for a generic E.
    this.notifications.to(room).emit(event, ...([payload] as Parameters<ServerToClientEvents[E]>));
  }
}

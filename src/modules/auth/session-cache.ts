import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import type { Role } from 'src/common/auth/auth-user';
import { REDIS } from 'src/redis/redis.module';

/** What a request needs to know about a live session. */
export interface CachedSession {
  userId: string;
  role: Role;
}

const CHANNEL = 'auth:sessions:invalidate';
const MAX_ENTRIES = 10_000;
const TTL_MS = 30_000;

/**
 * The sessions this node checked lately, so that an authenticated request does not ask Redis each time. A
 * revocation, a role change or a disabled account is published on a Redis channel (`auth:sessions:invalidate`) that
 * every node listens to and drops those sessions at once, so revocation stays immediate on every node. The cache is
 * trusted only while that subscription is up: while it is down (and when it comes back, after a clear) every check
 * goes to Redis as before. A check that raced with an invalidation does not fill the cache (`generation`).
 */
@Injectable()
export class SessionCache implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SessionCache.name);
  private readonly entries = new Map<string, { state: CachedSession; expiresAt: number }>();
  private subscriber?: Redis;
  private listening = false;
  /** Counts invalidations (and resubscriptions); a fill started before one is dropped. */
  private current = 0;

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onModuleInit(): Promise<void> {
    const subscriber = this.redis.duplicate({ lazyConnect: true });
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, message: string) => this.drop(message.split(',')));
    subscriber.on('ready', () => {
      // Anything published while disconnected was missed: start over.
      this.clear();
      subscriber.subscribe(CHANNEL).then(
        () => (this.listening = true),
        (error: Error) => this.logger.warn({ err: error.message }, 'session invalidation channel unavailable'),
      );
    });
    subscriber.on('close', () => {
      this.listening = false;
      this.clear();
    });
    subscriber.on('error', () => undefined);
    await subscriber.connect().catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    this.listening = false;
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  /** The generation to pass to `set` for a state read now. */
  get generation(): number {
    return this.current;
  }

  get(sessionId: string): CachedSession | undefined {
    if (!this.listening) {
      return undefined;
    }
    const entry = this.entries.get(sessionId);
    if (!entry) {
      return undefined;
    }
    if (entry.expiresAt < Date.now()) {
      this.entries.delete(sessionId);
      return undefined;
    }
    return entry.state;
  }

  /** Keeps a state read at `generation`, unless an invalidation arrived since. */
  set(sessionId: string, state: CachedSession, generation: number): void {
    if (!this.listening || generation !== this.current) {
      return;
    }
    if (this.entries.size >= MAX_ENTRIES) {
      // Oldest first: a Map iterates in insertion order.
      this.entries.delete(this.entries.keys().next().value as string);
    }
    this.entries.set(sessionId, { state, expiresAt: Date.now() + TTL_MS });
  }

  /** Drops these sessions here and on every other node. */
  async invalidate(sessionIds: readonly string[]): Promise<void> {
    if (sessionIds.length === 0) {
      return;
    }
    this.drop(sessionIds);
    await this.redis.publish(CHANNEL, sessionIds.join(',')).catch((error: Error) => {
      this.logger.warn({ err: error.message }, 'could not publish a session invalidation');
    });
  }

  private drop(sessionIds: readonly string[]): void {
    this.current += 1;
    for (const id of sessionIds) {
      this.entries.delete(id);
    }
  }

  private clear(): void {
    this.current += 1;
    this.entries.clear();
  }
}

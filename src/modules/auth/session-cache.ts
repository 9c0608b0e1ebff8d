import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import type { Role } from 'src/common/auth/auth-user';
import { InvalidatedCache } from 'src/common/cache/invalidated-cache';
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
  private readonly cache = new InvalidatedCache<CachedSession>({ maxEntries: MAX_ENTRIES, ttlMs: TTL_MS });
  private subscriber?: Redis;

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onModuleInit(): Promise<void> {
    const subscriber = this.redis.duplicate({ lazyConnect: true });
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, message: string) => this.cache.drop(message.split(',')));
    subscriber.on('ready', () => {
      // Anything published while disconnected was missed: start over.
      this.cache.clear();
      subscriber.subscribe(CHANNEL).then(
        () => (this.cache.listening = true),
        (error: Error) => this.logger.warn({ err: error.message }, 'session invalidation channel unavailable'),
      );
    });
    subscriber.on('close', () => (this.cache.listening = false));
    subscriber.on('error', () => undefined);
    await subscriber.connect().catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    this.cache.listening = false;
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  /** The generation to pass to `set` for a state read now. */
  get generation(): number {
    return this.cache.generation;
  }

  get(sessionId: string): CachedSession | undefined {
    return this.cache.get(sessionId);
  }

  /** Keeps a state read at `generation`, unless an invalidation arrived since. */
  set(sessionId: string, state: CachedSession, generation: number): void {
    this.cache.set(sessionId, state, generation);
  }

  /** Drops these sessions here and on every other node. */
  async invalidate(sessionIds: readonly string[]): Promise<void> {
    if (sessionIds.length === 0) {
      return;
    }
    this.cache.drop(sessionIds);
    await this.redis.publish(CHANNEL, sessionIds.join(',')).catch((error: Error) => {
      this.logger.warn({ err: error.message }, 'could not publish a session invalidation');
    });
  }
}

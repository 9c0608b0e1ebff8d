import type { RedisOptions } from 'ioredis';

/**
 * ioredis options from a `redis://` / `rediss://` URL.
 * `forQueue` follows BullMQ's requirements (no per-command retry limit, so blocking workers survive a restart
 * of Redis); other clients fail fast while Redis is away instead of queueing commands forever.
 */
export function redisConnectionOptions(url: string, { forQueue = false } = {}): RedisOptions {
  const parsed = new URL(url);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 6379,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
    connectionName: 'switchboard',
    retryStrategy: (attempt) => Math.min(attempt * 200, 5000),
    ...(forQueue
      ? { maxRetriesPerRequest: null, enableReadyCheck: false }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 5000 }),
  };
}

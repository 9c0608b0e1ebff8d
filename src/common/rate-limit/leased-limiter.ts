import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';

/** What one hit was told: allowed or not, the window's limit, an estimate of what is left, and when it turns. */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window turns (at least 1). */
  resetSeconds: number;
}

interface Bucket {
  /** Hits this node may still admit without asking Redis. */
  leased: number;
  /** Hits the other nodes had taken (or leased) when this node's last lease was granted. */
  others: number;
  /** Hits admitted from the lease so far. */
  used: number;
  /** Set when Redis answered that the window is spent: deny until it turns. */
  spent: boolean;
  /** A lease request in flight, which concurrent hits wait for instead of asking again (false: Redis failed). */
  pending?: Promise<boolean>;
}

/**
 * Takes a lease of `grant` hits out of a window's budget, never past `limit`: `grant` is at most a
 * `1/divisor` share of what is left, and at least one hit. Answers `{granted, count}` where `count` is the window's
 * total after the grant; `granted = 0` means the window is spent.
 */
const LEASE_SCRIPT = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
local limit = tonumber(ARGV[1])
local left = limit - count
if left <= 0 then return {0, count} end
local grant = math.max(1, math.floor(left / tonumber(ARGV[2])))
count = redis.call('INCRBY', KEYS[1], grant)
if count == grant then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return {grant, count}
`;

type LeaseCommand = Redis & {
  switchboardLease(key: string, limit: number, divisor: number, ttlMs: number): Promise<[number, number]>;
};

/** Most buckets one node keeps per window before it starts over (a flood of distinct addresses). */
const MAX_BUCKETS = 100_000;

/**
 * Fixed-window rate limits shared by every node, without a Redis round trip per request. Each node leases a share
 * of a window's budget from Redis (one atomic script) and admits hits from its lease in process; the share is a
 * sixteenth of what is left, so it shrinks as the window fills and the last hits are leased one at a time. The
 * cluster never admits more than the limit; at worst a lease another node holds unused makes a window close a
 * little early. With small limits (the sign-in limit, a test's limit of 4) every hit asks Redis, exactly as a
 * plain counter would. If Redis cannot be reached the hit is let through (and logged once a minute): losing rate
 * limiting briefly is better than failing every request.
 */
export class LeasedRateLimiter {
  private readonly logger = new Logger('RateLimit');
  private window = -1;
  private buckets = new Map<string, Bucket>();
  private lastFailureLog = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly divisor = 16,
  ) {
    redis.defineCommand('switchboardLease', { numberOfKeys: 1, lua: LEASE_SCRIPT });
  }

  /** Counts one hit of `key` against `limit` per `windowMs`. */
  async take(key: string, limit: number, windowMs: number): Promise<RateDecision> {
    const now = Date.now();
    const window = Math.floor(now / windowMs);
    const resetSeconds = Math.max(1, Math.ceil(((window + 1) * windowMs - now) / 1000));
    if (window !== this.window || this.buckets.size >= MAX_BUCKETS) {
      this.window = window;
      this.buckets = new Map();
    }
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { leased: 0, others: 0, used: 0, spent: false };
      this.buckets.set(key, bucket);
    }
    while (!bucket.spent && bucket.used >= bucket.leased) {
      bucket.pending ??= this.lease(bucket, `${this.prefix}:${key}:${window}`, limit, windowMs);
      if (!(await bucket.pending)) {
        return { allowed: true, limit, remaining: limit, resetSeconds };
      }
    }
    if (bucket.spent) {
      return { allowed: false, limit, remaining: 0, resetSeconds };
    }
    bucket.used += 1;
    const remaining = Math.max(0, limit - bucket.others - bucket.used);
    return { allowed: true, limit, remaining, resetSeconds };
  }

  /** Asks Redis for a new lease; resolves `false` when Redis failed (the hit is then let through). */
  private async lease(bucket: Bucket, redisKey: string, limit: number, windowMs: number): Promise<boolean> {
    try {
      const [granted, count] = await (this.redis as LeaseCommand).switchboardLease(
        redisKey,
        limit,
        this.divisor,
        windowMs * 2,
      );
      if (granted === 0) {
        bucket.spent = true;
      } else {
        bucket.leased = bucket.used + granted;
        bucket.others = count - bucket.leased;
      }
      return true;
    } catch (error) {
      if (Date.now() - this.lastFailureLog > 60_000) {
        this.lastFailureLog = Date.now();
        this.logger.warn({ err: (error as Error).message }, 'rate-limit storage unavailable, requests allowed');
      }
      return false;
    } finally {
      bucket.pending = undefined;
    }
  }
}

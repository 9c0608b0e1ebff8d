import type Redis from 'ioredis';

/**
 * One Redis counter per key and window (`<prefix>:<window number>`, kept two windows): counts a hit and tells
 * whether it stays within `limit`, and if not, how many seconds remain until the window turns. Used for the
 * per-user and per-account limits that need the caller's identity (mail sends, chat sends, reports), which the
 * request throttler (before authentication) cannot see.
 */
export async function takeFixedWindow(
  redis: Redis,
  prefix: string,
  limit: number,
  windowSeconds = 60,
): Promise<{ allowed: boolean; count: number; retryAfterSeconds: number }> {
  const nowSeconds = Date.now() / 1000;
  const key = `${prefix}:${Math.floor(nowSeconds / windowSeconds)}`;
  const [[, count]] = (await redis
    .multi()
    .incr(key)
    .expire(key, windowSeconds * 2)
    .exec()) as [[null, number], unknown];
  return { allowed: count <= limit, count, retryAfterSeconds: windowSeconds - Math.floor(nowSeconds % windowSeconds) };
}

import type Redis from 'ioredis';

/**
 * One Redis counter per key and minute (`<prefix>:<minute>`): counts a hit and tells whether it stays within
 * `limit`, and if not, how many seconds remain until the window turns. The same scheme as the mail send rate.
 */
export async function takeMinuteWindow(
  redis: Redis,
  prefix: string,
  limit: number,
): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
  const window = Math.floor(Date.now() / 60_000);
  const key = `${prefix}:${window}`;
  const [[, count]] = (await redis.multi().incr(key).expire(key, 120).exec()) as [[null, number], unknown];
  return { allowed: count <= limit, retryAfterSeconds: 60 - Math.floor((Date.now() / 1000) % 60) };
}

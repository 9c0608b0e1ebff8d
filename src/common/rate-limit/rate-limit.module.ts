import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Logger, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import Redis from 'ioredis';
import { AppConfigService } from 'src/config/app-config.service';
import { REDIS } from 'src/redis/redis.module';

/**
 * Counters live in Redis so a limit holds across every API node. If Redis is unreachable the request is let
 * through (and logged): losing rate limiting briefly is better than failing every request.
 */
class FailOpenRedisStorage extends ThrottlerStorageRedisService {
  private readonly logger = new Logger('RateLimit');

  override async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    try {
      return await super.increment(key, ttl, limit, blockDuration, throttlerName);
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'rate-limit storage unavailable, request allowed');
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  /** The shared client belongs to RedisModule, which closes it. */
  override onModuleDestroy(): void {}
}

/** Global rate limit per client IP (`RATE_LIMIT_MAX` per `RATE_LIMIT_TTL_SECONDS`); 429 with Retry-After. */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfigService, REDIS],
      useFactory: (config: AppConfigService, redis: Redis) => ({
        throttlers: [{ name: 'default', ttl: config.rateLimit.ttlMs, limit: config.rateLimit.limit }],
        storage: new FailOpenRedisStorage(redis),
      }),
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: ThrottlerGuard }],
})
export class RateLimitModule {}

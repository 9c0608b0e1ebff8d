import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { ExecutionContext, Injectable, Logger, Module, SetMetadata } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { ThrottlerException, ThrottlerGuard, ThrottlerLimitDetail, ThrottlerModule } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
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

const AUTH_LIMITED = 'switchboard:auth-rate-limited';

/** Puts a route under the tighter `auth` limit (AUTH_RATE_LIMIT_MAX per minute per IP) besides the global one. */
export const AuthRateLimit = (): MethodDecorator & ClassDecorator => SetMetadata(AUTH_LIMITED, true);

/** Answers 429 with a plain `Retry-After`, whichever named limit was hit. */
@Injectable()
class AppThrottlerGuard extends ThrottlerGuard {
  protected override throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    void reply.header('Retry-After', String(Math.max(1, detail.timeToBlockExpire)));
    throw new ThrottlerException();
  }
}

/** Global rate limit per client IP (`RATE_LIMIT_MAX` per `RATE_LIMIT_TTL_SECONDS`); 429 with Retry-After. */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfigService, REDIS, Reflector],
      useFactory: (config: AppConfigService, redis: Redis, reflector: Reflector) => ({
        throttlers: [
          { name: 'default', ttl: config.rateLimit.ttlMs, limit: config.rateLimit.limit },
          {
            name: 'auth',
            ttl: 60_000,
            limit: config.auth.rateLimit,
            skipIf: (context: ExecutionContext) =>
              !reflector.getAllAndOverride<boolean>(AUTH_LIMITED, [context.getHandler(), context.getClass()]),
          },
        ],
        storage: new FailOpenRedisStorage(redis),
      }),
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: AppThrottlerGuard }],
})
export class RateLimitModule {}

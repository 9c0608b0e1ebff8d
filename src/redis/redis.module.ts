import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfigService } from 'src/config/app-config.service';
import { redisConnectionOptions } from './redis.options';

export const REDIS = Symbol('REDIS');

/** Closes the shared client when the application stops. */
@Injectable()
class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** One shared ioredis client for rate limits, health checks and domain caches (BullMQ keeps its own). */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [AppConfigService],
      useFactory: async (config: AppConfigService): Promise<Redis> => {
        const redis = new Redis(redisConnectionOptions(config.redis.url));
        const logger = new Logger('Redis');
        let lastErrorLog = 0;
        redis.on('error', (error: Error) => {
          if (Date.now() - lastErrorLog > 10_000) {
            lastErrorLog = Date.now();
            logger.warn({ err: error.message }, 'redis connection error');
          }
        });
        // Commands fail fast while disconnected (no offline queue), so give the first connection a moment.
        // If Redis is down at boot the app still starts and /health/ready reports it.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 5000);
          redis.once('ready', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        return redis;
      },
    },
    RedisLifecycle,
  ],
  exports: [REDIS],
})
export class RedisModule {}

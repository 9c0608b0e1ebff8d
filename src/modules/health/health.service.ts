import { Inject, Injectable } from '@nestjs/common';
import {
  HealthCheckError,
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
  MikroOrmHealthIndicator,
} from '@nestjs/terminus';
import Redis from 'ioredis';
import { PlatformError, PlatformErrorCode } from 'src/common/errors/app-error';
import { REDIS } from 'src/redis/redis.module';

const CHECK_TIMEOUT_MS = 1500;

@Injectable()
export class HealthService {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly db: MikroOrmHealthIndicator,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  async ready(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.db.pingCheck('database', { timeout: CHECK_TIMEOUT_MS }),
        () => this.redisCheck(),
      ]);
    } catch (error) {
      const result = (error as { response?: HealthCheckResult }).response;
      if (!result?.error) {
        throw error;
      }
      const down = Object.keys(result.error);
      throw new PlatformError(
        PlatformErrorCode.ServiceUnavailable,
        `Not ready: ${down.join(', ')} down`,
        result.details,
      );
    }
  }

  private async redisCheck(): Promise<HealthIndicatorResult> {
    const check = this.indicators.check('redis');
    try {
      const started = Date.now();
      await Promise.race([
        this.redis.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS).unref()),
      ]);
      return check.up({ latencyMs: Date.now() - started });
    } catch (error) {
      return check.down({ message: error instanceof HealthCheckError ? error.message : (error as Error).message });
    }
  }
}

import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfigService } from 'src/config/app-config.service';
import { REDIS } from 'src/redis/redis.module';
import { AuthError, AuthErrorCode } from './auth.errors';

const accountKey = (login: string): string => `auth:fail:account:${login.trim().toLowerCase()}`;
const ipKey = (ip: string): string => `auth:fail:ip:${ip}`;

/**
 * Brute-force protection. Failed logins are counted per account (the identifier typed, so unknown accounts count
 * too and nobody learns which exist) and per IP, in Redis so every node shares them. Past the threshold the
 * account answers 423 and the IP 429, both with Retry-After, until the window expires.
 */
@Injectable()
export class LockoutService {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfigService,
  ) {}

  async assertAllowed(login: string, ip: string): Promise<void> {
    const { threshold, ipThreshold } = this.config.auth.lockout;
    const [account, fromIp] = await this.redis.mget(accountKey(login), ipKey(ip));
    if (Number(fromIp ?? 0) >= ipThreshold) {
      const ttl = await this.redis.ttl(ipKey(ip));
      throw new AuthError(
        AuthErrorCode.TooManyAttempts,
        'Too many failed logins from this address; retry later',
      ).withRetryAfter(ttl);
    }
    if (Number(account ?? 0) >= threshold) {
      const ttl = await this.redis.ttl(accountKey(login));
      throw new AuthError(
        AuthErrorCode.AccountLocked,
        'Account temporarily locked after repeated failed logins',
      ).withRetryAfter(ttl);
    }
  }

  /** Counts a failure; true when this failure locked the account. */
  async recordFailure(login: string, ip: string): Promise<boolean> {
    const { threshold, seconds } = this.config.auth.lockout;
    const result = await this.redis
      .multi()
      .incr(accountKey(login))
      .expire(accountKey(login), seconds, 'NX')
      .incr(ipKey(ip))
      .expire(ipKey(ip), seconds, 'NX')
      .exec();
    const count = Number(result?.[0]?.[1] ?? 0);
    return count === threshold;
  }

  async clear(login: string): Promise<void> {
    await this.redis.del(accountKey(login));
  }
}

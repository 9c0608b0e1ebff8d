import { CanActivate, ExecutionContext, Inject, Injectable, Module, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Redis from 'ioredis';
import { PlatformError, PlatformErrorCode } from 'src/common/errors/app-error';
import { AppConfigService } from 'src/config/app-config.service';
import { REDIS } from 'src/redis/redis.module';
import { LeasedRateLimiter, type RateDecision } from './leased-limiter';

const AUTH_LIMITED = 'switchboard:auth-rate-limited';
const SKIP_RATE_LIMIT = 'switchboard:skip-rate-limit';

/** Puts a route under the tighter `auth` limit (AUTH_RATE_LIMIT_MAX per minute per IP) besides the global one. */
export const AuthRateLimit = (): MethodDecorator & ClassDecorator => SetMetadata(AUTH_LIMITED, true);

/** Takes a route out of the request limits (health probes, metrics scrapes). */
export const SkipRateLimit = (): MethodDecorator & ClassDecorator => SetMetadata(SKIP_RATE_LIMIT, true);

/** What the guard decided once per handler: its limits, and the key that names the route in the counters. */
interface RoutePolicy {
  skip: boolean;
  auth: boolean;
  route: string;
}

/**
 * The request limits, per client IP and route: `RATE_LIMIT_MAX` per `RATE_LIMIT_TTL_SECONDS` on every route,
 * and `AUTH_RATE_LIMIT_MAX` per minute on `@AuthRateLimit()` routes. Counters are shared by every node through
 * Redis (`LeasedRateLimiter`); a hit over a limit answers `429 RATE_LIMITED` with `Retry-After`, and every answer
 * carries `X-RateLimit-Limit`, `-Remaining` and `-Reset` (`…-auth` for the sign-in limit).
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly policies = new WeakMap<object, RoutePolicy>();
  private readonly global: LeasedRateLimiter;
  private readonly auth: LeasedRateLimiter;

  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfigService,
    @Inject(REDIS) redis: Redis,
  ) {
    this.global = new LeasedRateLimiter(redis, 'rate:default');
    this.auth = new LeasedRateLimiter(redis, 'rate:auth');
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') {
      return true;
    }
    const policy = this.policyOf(context);
    if (policy.skip) {
      return true;
    }
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const key = `${policy.route}:${request.ip}`;
    const { ttlMs, limit } = this.config.rateLimit;
    const decision = await this.global.take(key, limit, ttlMs);
    answer(reply, decision, '');
    if (decision.allowed && policy.auth) {
      const authDecision = await this.auth.take(key, this.config.auth.rateLimit, 60_000);
      answer(reply, authDecision, '-auth');
      if (!authDecision.allowed) {
        throw limited(reply, authDecision);
      }
    }
    if (!decision.allowed) {
      throw limited(reply, decision);
    }
    return true;
  }

  private policyOf(context: ExecutionContext): RoutePolicy {
    const handler = context.getHandler();
    let policy = this.policies.get(handler);
    if (!policy) {
      const targets = [handler, context.getClass()];
      policy = {
        skip: this.reflector.getAllAndOverride<boolean>(SKIP_RATE_LIMIT, targets) ?? false,
        auth: this.reflector.getAllAndOverride<boolean>(AUTH_LIMITED, targets) ?? false,
        route: `${context.getClass().name}.${handler.name}`,
      };
      this.policies.set(handler, policy);
    }
    return policy;
  }
}

function answer(reply: FastifyReply, decision: RateDecision, suffix: string): void {
  void reply
    .header(`X-RateLimit-Limit${suffix}`, decision.limit)
    .header(`X-RateLimit-Remaining${suffix}`, decision.remaining)
    .header(`X-RateLimit-Reset${suffix}`, decision.resetSeconds);
}

function limited(reply: FastifyReply, decision: RateDecision): PlatformError {
  void reply.header('Retry-After', String(decision.resetSeconds));
  return new PlatformError(PlatformErrorCode.RateLimited, 'Too many requests, retry later');
}

/** Provides the request limits' guard; AppModule installs it first among the global guards. */
@Module({ providers: [RateLimitGuard], exports: [RateLimitGuard] })
export class RateLimitModule {}

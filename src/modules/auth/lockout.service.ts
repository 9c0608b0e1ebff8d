import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { hashToken, randomToken } from 'src/common/crypto/secret-box';
import { AppConfigService } from 'src/config/app-config.service';
import { REDIS } from 'src/redis/redis.module';
import { AuthError, AuthErrorCode } from './auth.errors';

/** Where a login attempt comes from: the client IP and the device token the client sent back, if any. */
export interface LoginSource {
  ip: string;
  deviceToken?: string;
}

/** One login attempt on one account, as `begin` judged it. */
export interface LoginAttempt {
  /** The user id, or the identifier typed when no account has it (unknown accounts are counted the same way). */
  account: string;
  ip: string;
  /** `d:<device hash>` for a device known to the account, else `ip:<address>`: the "source" of the throttle. */
  source: string;
  /** The device or the IP logged in to this account successfully before. */
  known: boolean;
  /** Seconds left of the account lock when the source is unknown; 0 when it does not apply. */
  lockedForSeconds: number;
}

const ipKey = (ip: string): string => `auth:fail:ip:${ip}`;
const accountCountKey = (account: string): string => `auth:fail:account:${account}`;
const accountLockKey = (account: string): string => `auth:lock:account:${account}`;
const pairCountKey = (account: string, source: string): string => `auth:fail:pair:${account}:${source}`;
const pairDelayKey = (account: string, source: string): string => `auth:delay:pair:${account}:${source}`;
const knownKey = (userId: string): string => `auth:known:${userId}`;
const deviceMember = (token: string): string => `d:${hashToken(token)}`;
const ipMember = (ip: string): string => `ip:${ip}`;

/** At most this many known devices and IPs are kept per account (the most recently used). */
const KNOWN_SOURCES_KEPT = 50;

/**
 * Admission of one attempt for an (account, source) pair, atomically: refused with the milliseconds left while
 * the pair waits out a delay; past the free failures, the attempt reserves the current delay, so parallel
 * attempts from one source cannot slip through together.
 */
const PAIR_ADMIT = `
local left = redis.call('PTTL', KEYS[2])
if left > 0 then return left end
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
local threshold = tonumber(ARGV[1])
if count >= threshold then
  local delay = math.floor(math.min(tonumber(ARGV[2]) * 2 ^ (count - threshold), tonumber(ARGV[3])))
  redis.call('SET', KEYS[2], '1', 'PX', delay)
end
return 0`;

/** Counts a failure of the pair; from the threshold on, the next attempt must wait base * 2^(n - threshold). */
const PAIR_FAIL = `
local count = redis.call('INCR', KEYS[1])
local threshold = tonumber(ARGV[1])
local delay = 0
if count >= threshold then
  delay = math.floor(math.min(tonumber(ARGV[2]) * 2 ^ (count - threshold), tonumber(ARGV[3])))
  redis.call('SET', KEYS[2], '1', 'PX', delay)
end
redis.call('PEXPIRE', KEYS[1], delay + tonumber(ARGV[4]))
return delay`;

/**
 * Brute-force protection that strangers cannot turn against the owner (OWASP Authentication Cheat Sheet), every
 * counter in Redis so all nodes share them:
 * - per (account, source): LOCKOUT_SOURCE_THRESHOLD free failures, then each attempt waits a doubling delay
 *   (429 with Retry-After); the source is a device token known to the account, else the client IP;
 * - per IP, any account: past LOCKOUT_IP_THRESHOLD failures the IP is refused (429) — except a known device;
 * - per account: failures from unknown sources lock the account for unknown sources (423) for LOCKOUT_SECONDS.
 *   Known devices and IPs (a successful login before) still sign in, and the caller lets a valid second factor
 *   through; the owner is mailed an unlock link when the lock trips.
 * Unknown accounts are counted under the identifier typed, exactly like accounts with no known source.
 */
@Injectable()
export class LockoutService {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfigService,
  ) {}

  /** Judges an attempt before any credential is checked: 429 while the IP or the pair must wait. */
  async begin(account: string, userId: string | undefined, source: LoginSource): Promise<LoginAttempt> {
    const { ipThreshold, sourceThreshold, delaySeconds, maxDelaySeconds } = this.config.auth.lockout;
    const known = userId ? await this.knownSources(userId, source) : { device: false, ip: false };
    if (!known.device) {
      const failures = Number((await this.redis.get(ipKey(source.ip))) ?? 0);
      if (failures >= ipThreshold) {
        throw new AuthError(
          AuthErrorCode.TooManyAttempts,
          'Too many failed logins from this address; retry later',
        ).withRetryAfter(await this.redis.ttl(ipKey(source.ip)));
      }
    }
    const pairSource = known.device ? deviceMember(source.deviceToken!) : ipMember(source.ip);
    const waitMs = Number(
      await this.redis.eval(
        PAIR_ADMIT,
        2,
        pairCountKey(account, pairSource),
        pairDelayKey(account, pairSource),
        sourceThreshold,
        delaySeconds * 1000,
        maxDelaySeconds * 1000,
      ),
    );
    if (waitMs > 0) {
      throw new AuthError(
        AuthErrorCode.TooManyAttempts,
        'Too many failed logins to this account from here; retry later',
      ).withRetryAfter(waitMs / 1000);
    }
    const isKnown = known.device || known.ip;
    const lockedForSeconds = isKnown ? 0 : Math.max(0, await this.redis.ttl(accountLockKey(account)));
    return { account, ip: source.ip, source: pairSource, known: isKnown, lockedForSeconds };
  }

  /**
   * Counts a failed attempt for its pair and IP and, from an unknown source while the account is not locked, for
   * the account. True when this failure locked the account (the caller audits it and mails the owner).
   */
  async recordFailure(attempt: LoginAttempt): Promise<boolean> {
    const { threshold, seconds, sourceThreshold, delaySeconds, maxDelaySeconds } = this.config.auth.lockout;
    await this.redis.eval(
      PAIR_FAIL,
      2,
      pairCountKey(attempt.account, attempt.source),
      pairDelayKey(attempt.account, attempt.source),
      sourceThreshold,
      delaySeconds * 1000,
      maxDelaySeconds * 1000,
      seconds * 1000,
    );
    const counts = attempt.known || attempt.lockedForSeconds > 0 ? [] : [accountCountKey(attempt.account)];
    let multi = this.redis.multi().incr(ipKey(attempt.ip)).expire(ipKey(attempt.ip), seconds, 'NX');
    for (const key of counts) {
      multi = multi.incr(key).expire(key, seconds, 'NX');
    }
    const result = await multi.exec();
    const accountFailures = counts.length > 0 ? Number(result?.[2]?.[1] ?? 0) : 0;
    if (accountFailures < threshold) {
      return false;
    }
    const locked = await this.redis.set(accountLockKey(attempt.account), '1', 'EX', seconds, 'NX');
    await this.redis.del(accountCountKey(attempt.account));
    return locked === 'OK';
  }

  /**
   * A successful login of `userId` from `source`: forgets the pair's failures and remembers the IP and the
   * device. Returns the device token for the client to send back as X-Device-Token (the same one when it was
   * already known to this account, else a new one).
   */
  async recordSuccess(userId: string, source: LoginSource): Promise<string> {
    const { knownSourceDays } = this.config.auth.lockout;
    const known = await this.knownSources(userId, source);
    const deviceToken = known.device ? source.deviceToken! : randomToken(32);
    const now = Date.now();
    const lifetimeMs = knownSourceDays * 86_400_000;
    const pairs = [ipMember(source.ip), ...(source.deviceToken ? [deviceMember(source.deviceToken)] : [])];
    await this.redis
      .multi()
      .del(...pairs.flatMap((pair) => [pairCountKey(userId, pair), pairDelayKey(userId, pair)]))
      .zadd(knownKey(userId), now, ipMember(source.ip), now, deviceMember(deviceToken))
      .zremrangebyscore(knownKey(userId), '-inf', now - lifetimeMs)
      .zremrangebyrank(knownKey(userId), 0, -KNOWN_SOURCES_KEPT - 1)
      .pexpire(knownKey(userId), lifetimeMs)
      .exec();
    return deviceToken;
  }

  /** Lifts the account lock and the account's failure count (unlock link, password reset) and the caller's pair. */
  async unlock(userId: string, ip?: string): Promise<void> {
    const keys = [accountLockKey(userId), accountCountKey(userId)];
    if (ip) {
      keys.push(pairCountKey(userId, ipMember(ip)), pairDelayKey(userId, ipMember(ip)));
    }
    await this.redis.del(...keys);
  }

  private async knownSources(userId: string, source: LoginSource): Promise<{ device: boolean; ip: boolean }> {
    const since = Date.now() - this.config.auth.lockout.knownSourceDays * 86_400_000;
    const members = [ipMember(source.ip), ...(source.deviceToken ? [deviceMember(source.deviceToken)] : [])];
    const scores = await this.redis.zmscore(knownKey(userId), ...members);
    const fresh = (score: string | null | undefined): boolean => typeof score === 'string' && Number(score) >= since;
    return { ip: fresh(scores[0]), device: fresh(scores[1]) };
  }
}

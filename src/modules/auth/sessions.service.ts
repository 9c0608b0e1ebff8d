import { DomainEvents, OnDomainEvent } from 'src/common/events/domain-events';
import type {} from 'src/modules/settings/settings.events';
import { EntityManager, QueryOrder } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { AuthUser } from 'src/common/auth/auth-user';
import { ClientInfo } from 'src/common/auth/auth.decorators';
import { hashToken, randomToken } from 'src/common/crypto/secret-box';
import { AppConfigService } from 'src/config/app-config.service';
import { RealtimeService } from 'src/realtime/realtime.service';
import { REDIS } from 'src/redis/redis.module';
import { User } from 'src/modules/users/user.entity';
import { AuthError, AuthErrorCode } from './auth.errors';
import { RefreshToken } from './refresh-token.entity';
import { Session } from './session.entity';
import { SessionCache, type CachedSession } from './session-cache';

const CACHE_TTL_SECONDS = 300;
const cacheKey = (sessionId: string): string => `auth:session:${sessionId}`;
const REVOKED = 'revoked';

export interface Rotation {
  session: Session;
  refreshToken: string;
}

/**
 * Sessions and their refresh-token families. Every refresh rotates the token; presenting a used one revokes the
 * whole session (reuse detection). Access tokens are checked against the session on each request, through a
 * short Redis cache that revocation deletes, so a revoked session stops working at once; its open sockets are
 * disconnected too.
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly em: EntityManager,
    private readonly config: AppConfigService,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly realtime: RealtimeService,
    private readonly cache: SessionCache,
  ) {}

  async create(user: User, client: ClientInfo, mfa: boolean): Promise<Rotation> {
    const em = this.em.fork();
    const expiresAt = new Date(Date.now() + this.config.auth.refreshTtlDays * 86_400_000);
    const session = em.create(Session, { user: user.id, userAgent: client.userAgent, ip: client.ip, mfa, expiresAt });
    const refreshToken = this.issueRefresh(em, session);
    await em.flush();
    return { session, refreshToken };
  }

  /** Exchanges a refresh token for a new one. A token used before revokes its session: someone else may hold it. */
  async rotate(token: string, client: ClientInfo): Promise<Rotation & { user: User }> {
    const em = this.em.fork();
    const stored = await em.findOne(
      RefreshToken,
      { tokenHash: hashToken(token) },
      { populate: ['session', 'session.user'] },
    );
    if (!stored) {
      throw new AuthError(AuthErrorCode.RefreshInvalid, 'Refresh token is invalid');
    }
    const session = stored.session;
    if (session.revokedAt || session.expiresAt < new Date()) {
      throw new AuthError(AuthErrorCode.SessionRevoked, 'This session has ended; log in again');
    }
    // Claim the token atomically: of two concurrent uses, one wins and the other counts as reuse.
    const claimed = await em.nativeUpdate(RefreshToken, { id: stored.id, usedAt: null }, { usedAt: new Date() });
    if (claimed === 0) {
      await this.revoke(session.id, 'refresh_reuse');
      throw new AuthError(AuthErrorCode.RefreshReused, 'Refresh token was already used; the session has been revoked', {
        sessionId: session.id,
        userId: session.user.id,
      });
    }
    if (!session.user.isActive) {
      await this.revoke(session.id, 'user_disabled');
      throw new AuthError(AuthErrorCode.AccountDisabled, 'This account is disabled');
    }
    session.lastSeenAt = new Date();
    session.ip = client.ip;
    session.userAgent = client.userAgent || session.userAgent;
    const refreshToken = this.issueRefresh(em, session);
    await em.flush();
    return { session, refreshToken, user: session.user };
  }

  /**
   * The session behind an access token must still be live and its user active: checked in this node's
   * `SessionCache`, else in the Redis cache, else in the database.
   */
  async validate(claims: AuthUser): Promise<AuthUser> {
    const local = this.cache.get(claims.sessionId);
    const state = local ?? (await this.lookup(claims.sessionId));
    if (state.userId !== claims.id) {
      throw new AuthError(AuthErrorCode.TokenInvalid, 'Access token does not match its session');
    }
    // The role comes from the account, so a role change applies without waiting for the token to expire.
    return { ...claims, role: state.role };
  }

  private async lookup(sessionId: string): Promise<CachedSession> {
    const generation = this.cache.generation;
    const cached = await this.redis.get(cacheKey(sessionId)).catch(() => null);
    if (cached === REVOKED) {
      throw new AuthError(AuthErrorCode.SessionRevoked, 'This session has ended; log in again');
    }
    let state: CachedSession | null = cached ? (JSON.parse(cached) as CachedSession) : null;
    if (!state) {
      const em = this.em.fork();
      const session = await em.findOne(Session, sessionId, { populate: ['user'] });
      if (!session || session.revokedAt || session.expiresAt < new Date() || !session.user.isActive) {
        throw new AuthError(AuthErrorCode.SessionRevoked, 'This session has ended; log in again');
      }
      state = { userId: session.user.id, role: session.user.role };
      session.lastSeenAt = new Date();
      await em.flush();
      // NX: never overwrite a revocation tombstone written meanwhile.
      await this.redis
        .set(cacheKey(sessionId), JSON.stringify(state), 'EX', CACHE_TTL_SECONDS, 'NX')
        .catch(() => undefined);
    }
    this.cache.set(sessionId, state, generation);
    return state;
  }

  async revoke(sessionId: string, reason: string): Promise<void> {
    await this.em
      .fork()
      .nativeUpdate(Session, { id: sessionId, revokedAt: null }, { revokedAt: new Date(), revokedReason: reason });
    await this.tombstone([sessionId]);
    this.realtime.endSessions([sessionId], reason);
  }

  /** Ends every live session of a user, except `keep` (the caller's own, on password change). */
  async revokeAll(userId: string, reason: string, keep?: string): Promise<number> {
    const em = this.em.fork();
    const live = await em.find(
      Session,
      { user: userId, revokedAt: null, ...(keep ? { id: { $ne: keep } } : {}) },
      { fields: ['id'] },
    );
    if (live.length === 0) {
      return 0;
    }
    const ids = live.map((s) => s.id);
    await em.nativeUpdate(Session, { id: { $in: ids } }, { revokedAt: new Date(), revokedReason: reason });
    await this.tombstone(ids);
    this.realtime.endSessions(ids, reason);
    return ids.length;
  }

  /** Drops cached session state, e.g. after a role change or disabling a user. */
  @OnDomainEvent('account.deleted')
  async onAccountDeleted({ userId }: DomainEvents['account.deleted']): Promise<void> {
    await this.forgetUser(userId);
  }

  async forgetUser(userId: string): Promise<void> {
    const sessions = await this.em.fork().find(Session, { user: userId }, { fields: ['id'] });
    await this.forget(sessions.map((s) => s.id));
  }

  listLive(userId: string): Promise<Session[]> {
    return this.em
      .fork()
      .find(
        Session,
        { user: userId, revokedAt: null, expiresAt: { $gt: new Date() } },
        { orderBy: { lastSeenAt: QueryOrder.DESC } },
      );
  }

  /** Revokes one of `userId`'s sessions; another user's session id is "not found". */
  async revokeOwned(userId: string, sessionId: string, reason: string): Promise<void> {
    const session = await this.em.fork().findOne(Session, { id: sessionId, user: userId, revokedAt: null });
    if (!session) {
      throw new AuthError(AuthErrorCode.SessionNotFound, `Session ${sessionId} not found`);
    }
    await this.revoke(session.id, reason);
  }

  private issueRefresh(em: EntityManager, session: Session): string {
    const token = randomToken(32);
    em.create(RefreshToken, { session, tokenHash: hashToken(token) });
    return token;
  }

  /** Marks sessions revoked in the cache, so every node refuses them from now on. */
  private async tombstone(sessionIds: string[]): Promise<void> {
    if (sessionIds.length === 0) {
      return;
    }
    const pipeline = this.redis.pipeline();
    for (const id of sessionIds) {
      pipeline.set(cacheKey(id), REVOKED, 'EX', CACHE_TTL_SECONDS);
    }
    await pipeline.exec().catch(() => undefined);
    await this.cache.invalidate(sessionIds);
  }

  private async forget(sessionIds: string[]): Promise<void> {
    if (sessionIds.length > 0) {
      await this.redis.del(...sessionIds.map(cacheKey)).catch(() => undefined);
      await this.cache.invalidate(sessionIds);
    }
  }
}

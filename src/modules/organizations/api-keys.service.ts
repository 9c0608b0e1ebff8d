import { DomainEventBus } from 'src/common/events/domain-events';
import { EntityManager, QueryOrder } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { AuthUser } from 'src/common/auth/auth-user';
import { hashToken } from 'src/common/crypto/secret-box';
import { takeFixedWindow } from 'src/common/rate-limit/fixed-window';
import { AppConfigService } from 'src/config/app-config.service';
import { AuthError, AuthErrorCode } from 'src/modules/auth/auth.errors';
import { REDIS } from 'src/redis/redis.module';
import type { ApiKeyRevokedReason } from './organizations.webhooks';
import { ApiKey } from './api-key.entity';
import { ApiKeyStanding } from './api-key.repository';
import { ipAllowed } from './ip-allowlist';
import { OrgRole } from './membership.entity';
import { OrgContext } from './organization.decorators';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto } from './organizations.dto';
import { OrgError, OrgErrorCode } from './organizations.errors';
import { ALL_PERMISSIONS, can, Permission, ROLE_PERMISSIONS } from './permissions';
import { PLANS, RateKey } from './plans';

export const API_KEY_PATTERN = /^sbk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * The principal an API key authenticates as: its creator, in the key's organization, with the creator's current
 * role there, limited to the key's scopes (which that role grants in full, or the key would not authenticate).
 */
export interface ApiKeyPrincipal {
  id: string;
  organizationId: string;
  createdById: string;
  scopes: Permission[];
  /** The creator's role in the organization now. */
  role: OrgRole;
  /** Requests per minute this key may make. */
  requestsPerMinute: number;
  /** CIDRs the organization lets its keys come from; empty: anywhere. */
  ipAllowlist: string[];
}

/** Where a key stands in its per-minute budget after this request. */
export interface ApiKeyBudget {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetSeconds: number;
}

/** A key revoked inside a transaction, to announce once it commits. */
export interface RevokedApiKey {
  id: string;
  organizationId: string;
}

/** Why a live key no longer authenticates, or undefined when its creator still backs every scope it carries. */
function staleReason(key: ApiKeyStanding): string | undefined {
  if (key.creatorActive === null) {
    return 'creator deleted';
  }
  if (!key.creatorActive || key.creatorDeletionDueAt) {
    return 'creator account disabled';
  }
  if (!key.creatorRole) {
    return 'creator no longer a member';
  }
  if (!key.scopes.every((scope) => can(key.creatorRole!, scope))) {
    return "scopes beyond the creator's role";
  }
  return undefined;
}

function toApiKeyDto(key: ApiKey): ApiKeyDto {
  return {
    id: key.id,
    name: key.name,
    prefix: `sbk_${key.prefix}`,
    scopes: key.scopes,
    createdById: key.createdById,
    createdAt: key.createdAt.toISOString(),
    expiresAt: key.expiresAt?.toISOString() ?? null,
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
  };
}

/**
 * API keys: the secret is shown once, stored as SHA-256. A key acts as its creator, with its scopes cut to the
 * creator's current role; it is checked against the database on every use (one query joining the creator's
 * membership and account), so revocation, removal, demotion and disabling take effect at once.
 */
@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger(ApiKeysService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly events: DomainEventBus,
    private readonly config: AppConfigService,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async create(org: OrgContext, actor: AuthUser, dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    const beyond = dto.scopes.filter((scope) => !can(org.role, scope));
    if (beyond.length > 0) {
      throw new OrgError(
        OrgErrorCode.PermissionDenied,
        `A key cannot carry scopes your role lacks: ${beyond.join(', ')}`,
        {
          field: 'scopes',
        },
      );
    }
    const prefix = randomBytes(9)
      .toString('base64url')
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '0')
      .slice(0, 12);
    const secret = randomBytes(32).toString('base64url');
    const key = this.em.create(ApiKey, {
      organization: org.id,
      name: dto.name,
      prefix,
      secretHash: hashToken(secret),
      scopes: [...new Set(dto.scopes)],
      createdById: actor.id,
      expiresAt: dto.expiresAt,
    });
    await this.em.flush();
    await this.events.publish('api_key.created', {
      organizationId: org.id,
      data: {
        apiKeyId: key.id,
        name: key.name,
        prefix: `sbk_${prefix}`,
        scopes: key.scopes,
      },
    });
    return { ...toApiKeyDto(key), key: `sbk_${prefix}_${secret}` };
  }

  async list(org: OrgContext): Promise<ApiKeyDto[]> {
    const keys = await this.em.find(
      ApiKey,
      { organization: org.id, revokedAt: null },
      { orderBy: { createdAt: QueryOrder.DESC } },
    );
    return keys.map(toApiKeyDto);
  }

  async revoke(org: OrgContext, id: string): Promise<void> {
    const revoked = await this.em.nativeUpdate(
      ApiKey,
      { id, organization: org.id, revokedAt: null },
      { revokedAt: new Date() },
    );
    if (revoked === 0) {
      throw new OrgError(OrgErrorCode.ApiKeyNotFound, `API key ${id} not found`);
    }
    await this.events.publish('api_key.revoked', {
      organizationId: org.id,
      data: { apiKeyId: id, reason: 'revoked' },
    });
  }

  /**
   * Revokes, in the caller's transaction `em`, the live keys `userId` created — in one organization or in all —
   * and with `beyondRole`, only those carrying a scope that role lacks. Announce them with `announceRevoked` once
   * the transaction has committed.
   */
  async revokeCreatedBy(
    em: EntityManager,
    userId: string,
    options: { organizationId?: string; beyondRole?: OrgRole } = {},
  ): Promise<RevokedApiKey[]> {
    const beyond = options.beyondRole
      ? ALL_PERMISSIONS.filter((scope) => !ROLE_PERMISSIONS[options.beyondRole!].includes(scope))
      : undefined;
    if (beyond?.length === 0) {
      return [];
    }
    const keys = await em
      .getRepository(ApiKey)
      .findLiveByCreator(userId, { organizationId: options.organizationId, beyond });
    if (keys.length === 0) {
      return [];
    }
    await em.nativeUpdate(ApiKey, { id: { $in: keys.map((k) => k.id) }, revokedAt: null }, { revokedAt: new Date() });
    return keys.map((key) => ({ id: key.id, organizationId: key.organization.id }));
  }

  /** Publishes `api_key.revoked` for keys `revokeCreatedBy` revoked. */
  async announceRevoked(keys: RevokedApiKey[], reason: ApiKeyRevokedReason): Promise<void> {
    for (const key of keys) {
      await this.events.publish('api_key.revoked', {
        organizationId: key.organizationId,
        data: { apiKeyId: key.id, reason },
      });
    }
  }

  /**
   * The key's principal. 401 when the key is unknown, revoked or expired, or when its creator no longer backs it:
   * not a member of the key's organization any more, disabled or deleted, or holding a role that lacks one of
   * the key's scopes (the message does not say which).
   */
  async authenticate(token: string): Promise<ApiKeyPrincipal> {
    const match = API_KEY_PATTERN.exec(token);
    const em = this.em.fork();
    const key = match ? await em.getRepository(ApiKey).findStanding(match[1], hashToken(match[2])) : undefined;
    if (!key || (key.expiresAt && key.expiresAt < new Date())) {
      throw new AuthError(AuthErrorCode.TokenInvalid, 'API key is invalid, expired or revoked');
    }
    const stale = staleReason(key);
    if (stale) {
      this.logger.log({ apiKeyId: key.id, reason: stale }, 'API key refused: creator no longer backs it');
      throw new AuthError(
        AuthErrorCode.TokenInvalid,
        "API key is no longer valid: its creator's membership, role or account does not back it any more",
      );
    }
    if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await em.nativeUpdate(ApiKey, { id: key.id }, { lastUsedAt: new Date() });
    }
    return {
      id: key.id,
      organizationId: key.organizationId,
      createdById: key.createdById,
      scopes: key.scopes,
      role: key.creatorRole!,
      requestsPerMinute: this.config.apiKeyRateLimit.perMinute ?? PLANS[key.plan].rates[RateKey.ApiRequestsPerMinute],
      ipAllowlist: key.ipAllowlist,
    };
  }

  /** 403 ORG_IP_NOT_ALLOWED when the organization keeps an IP allowlist and `ip` is outside it. */
  assertAddressAllowed(key: ApiKeyPrincipal, ip: string): void {
    if (key.ipAllowlist.length > 0 && !ipAllowed(key.ipAllowlist, ip)) {
      throw new OrgError(
        OrgErrorCode.IpNotAllowed,
        `The organization accepts API keys only from its IP allowlist; ${ip} is not on it`,
        { ip },
      );
    }
  }

  /**
   * Counts one request against the key's per-minute budget, in Redis so every node shares it. If Redis is
   * unreachable the request is let through (and logged), as the global limiter does.
   */
  async takeRequest(key: ApiKeyPrincipal): Promise<ApiKeyBudget> {
    const limit = key.requestsPerMinute;
    try {
      const { allowed, count, retryAfterSeconds } = await takeFixedWindow(this.redis, `api-key:rate:${key.id}`, limit);
      return { allowed, limit, remaining: Math.max(0, limit - count), resetSeconds: retryAfterSeconds };
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'API key rate-limit storage unavailable, request allowed');
      return { allowed: true, limit, remaining: limit, resetSeconds: 60 };
    }
  }
}

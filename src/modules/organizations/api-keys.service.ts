import { EntityManager, QueryOrder } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AuthUser } from 'src/common/auth/auth-user';
import { hashToken } from 'src/common/crypto/secret-box';
import { WebhookEventType } from 'src/modules/webhooks/webhook-events';
import { WebhooksService } from 'src/modules/webhooks/webhooks.service';
import { ApiKey } from './api-key.entity';
import { OrgContext } from './organization.decorators';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto } from './organizations.dto';
import { OrgError, OrgErrorCode } from './organizations.errors';
import { can, Permission } from './permissions';

export const API_KEY_PATTERN = /^sbk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
const LAST_USED_RESOLUTION_MS = 60_000;

/** The principal an API key authenticates as: its organization, limited to its scopes. */
export interface ApiKeyPrincipal {
  id: string;
  organizationId: string;
  createdById: string;
  scopes: Permission[];
}

function toApiKeyDto(key: ApiKey): ApiKeyDto {
  return {
    id: key.id,
    name: key.name,
    prefix: `sbk_${key.prefix}`,
    scopes: key.scopes as Permission[],
    createdById: key.createdById,
    createdAt: key.createdAt.toISOString(),
    expiresAt: key.expiresAt?.toISOString() ?? null,
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
  };
}

/** API keys: the secret is shown once, stored as SHA-256; checked against the database on every use, so revocation is immediate. */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly em: EntityManager,
    private readonly webhooks: WebhooksService,
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
    await this.webhooks.publish(org.id, WebhookEventType.ApiKeyCreated, {
      apiKeyId: key.id,
      name: key.name,
      prefix: `sbk_${prefix}`,
      scopes: key.scopes,
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
    await this.webhooks.publish(org.id, WebhookEventType.ApiKeyRevoked, { apiKeyId: id });
  }

  /** The key's principal, or undefined when unknown, revoked or expired. */
  async authenticate(token: string): Promise<ApiKeyPrincipal | undefined> {
    const match = API_KEY_PATTERN.exec(token);
    if (!match) {
      return undefined;
    }
    const em = this.em.fork();
    const key = await em.findOne(ApiKey, { prefix: match[1], secretHash: hashToken(match[2]), revokedAt: null });
    if (!key || (key.expiresAt && key.expiresAt < new Date())) {
      return undefined;
    }
    if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await em.nativeUpdate(ApiKey, { id: key.id }, { lastUsedAt: new Date() });
    }
    return {
      id: key.id,
      organizationId: key.organization.id,
      createdById: key.createdById,
      scopes: key.scopes as Permission[],
    };
  }
}

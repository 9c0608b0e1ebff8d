import { EntityRepository } from '@mikro-orm/postgresql';
import type { ApiKey } from './api-key.entity';
import type { OrgRole } from './membership.entity';
import type { Plan } from './organization.entity';

/**
 * A live key together with everything a request made with it is judged by: its creator's current membership
 * and account, and its organization's plan and IP allowlist. The creator's columns are null when they are no
 * longer a member (or no longer exist).
 */
export interface ApiKeyStanding {
  id: string;
  organizationId: string;
  createdById: string;
  scopes: string[];
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  creatorRole: OrgRole | null;
  creatorActive: boolean | null;
  creatorDeletionDueAt: Date | null;
  plan: Plan;
  ipAllowlist: string[];
}

interface StandingRow {
  id: string;
  organization_id: string;
  created_by_id: string;
  scopes: string[];
  expires_at: Date | string | null;
  last_used_at: Date | string | null;
  creator_role: OrgRole | null;
  creator_active: boolean | null;
  creator_deletion_due_at: Date | string | null;
  plan: Plan;
  ip_allowlist: string[];
}

/** The driver hands raw timestamps back as strings (entities get them converted; raw rows do not). */
const toDate = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

// One indexed query per request: the key by its unique prefix, the organization and user by primary key, the
// membership by its (organization, user) unique index.
const STANDING_SQL = `
  select k.id, k.organization_id, k.created_by_id, k.scopes, k.expires_at, k.last_used_at,
         m.role as creator_role, u.is_active as creator_active, u.deletion_due_at as creator_deletion_due_at,
         o.plan, o.ip_allowlist
    from api_keys k
    join organizations o on o.id = k.organization_id
    left join users u on u.id = k.created_by_id
    left join memberships m on m.organization_id = k.organization_id and m.user_id = k.created_by_id
   where k.prefix = ? and k.secret_hash = ? and k.revoked_at is null`;

export class ApiKeyRepository extends EntityRepository<ApiKey> {
  /** The unrevoked key with this prefix and secret hash, with its creator's standing; undefined when none. */
  async findStanding(prefix: string, secretHash: string): Promise<ApiKeyStanding | undefined> {
    const [row] = await this.getEntityManager().execute<StandingRow[]>(STANDING_SQL, [prefix, secretHash]);
    if (!row) {
      return undefined;
    }
    return {
      id: row.id,
      organizationId: row.organization_id,
      createdById: row.created_by_id,
      scopes: row.scopes,
      expiresAt: toDate(row.expires_at),
      lastUsedAt: toDate(row.last_used_at),
      creatorRole: row.creator_role,
      creatorActive: row.creator_active,
      creatorDeletionDueAt: toDate(row.creator_deletion_due_at),
      plan: row.plan,
      ipAllowlist: row.ip_allowlist,
    };
  }

  /**
   * Unrevoked keys created by `userId` — in `organizationId` when given, else everywhere — and, with `beyond`,
   * only those carrying one of these scopes.
   */
  findLiveByCreator(userId: string, options: { organizationId?: string; beyond?: string[] } = {}): Promise<ApiKey[]> {
    return this.find({
      createdById: userId,
      revokedAt: null,
      ...(options.organizationId ? { organization: options.organizationId } : {}),
      ...(options.beyond ? { scopes: { $overlap: options.beyond } } : {}),
    });
  }
}

import { DomainEventBus, DomainEventContext, DomainEvents, OnDomainEvent } from 'src/common/events/domain-events';
import type {} from 'src/modules/settings/settings.events';
import './organizations.events';
import type {} from './organizations.webhooks';
import { EntityManager, LockMode, QueryOrder, raw, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AuthUser } from 'src/common/auth/auth-user';
import { definedOnly } from 'src/common/http/defined';
import { PageQueryDto } from 'src/common/http/pagination.dto';
import { likeContains } from 'src/database/select-rows';
import { RealtimeService } from 'src/realtime/realtime.service';
import { ApiKeysService } from './api-keys.service';
import { ipAllowed, normaliseCidr } from './ip-allowlist';
import { Membership, OrgRole } from './membership.entity';
import { OrgContext } from './organization.decorators';
import { Organization, Plan } from './organization.entity';
import { StandingCache } from './standing-cache';
import {
  AdminOrganizationDto,
  AdminOrganizationPageDto,
  CreateOrganizationDto,
  MemberDto,
  MemberPageDto,
  OrganizationDto,
  RolePermissionsDto,
  SecuritySettingsDto,
  UpdateOrganizationDto,
  UpdateSecuritySettingsDto,
} from './organizations.dto';
import { OrgError, OrgErrorCode } from './organizations.errors';
import { ROLE_PERMISSIONS, ROLE_RANK } from './permissions';

export function toOrganizationDto(org: Organization, role: OrgRole): OrganizationDto {
  return { id: org.id, name: org.name, slug: org.slug, plan: org.plan, role, createdAt: org.createdAt.toISOString() };
}

function toAdminOrganizationDto(org: Organization, members: number): AdminOrganizationDto {
  return {
    id: org.id,
    name: org.name,
    slug: org.slug,
    plan: org.plan,
    members,
    createdAt: org.createdAt.toISOString(),
  };
}

function toMemberDto(m: Membership): MemberDto {
  return {
    userId: m.user.id,
    username: m.user.username,
    displayName: m.user.displayName ?? null,
    email: m.user.email ?? null,
    role: m.role,
    joinedAt: m.joinedAt.toISOString(),
  };
}

/** A member's role in an organization with the organization's plan and IP allowlist, as the guard needs them. */
export interface MemberStanding {
  role: OrgRole;
  plan: Plan;
  ipAllowlist: string[];
  ipAllowlistAppliesToMembers: boolean;
}

/**
 * Every request to an organization's routes asks this, so it is one indexed join read as plain rows: building,
 * hydrating and tracking two entities in a forked EntityManager cost more than the query itself (bench:pipeline).
 */
const STANDING_SQL = `select m.role, o.plan, o.ip_allowlist, o.ip_allowlist_applies_to_members
  from memberships m join organizations o on o.id = m.organization_id
  where m.organization_id = ? and m.user_id = ?`;

interface StandingRow {
  role: OrgRole;
  plan: Plan;
  ip_allowlist: string[];
  ip_allowlist_applies_to_members: boolean;
}

function slugify(name: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return base.length >= 3 ? base : `org-${base}`.replace(/-+$/, '');
}

/** Organizations and their members. Membership changes lock the organization row, so "last owner" holds under concurrency. */
@Injectable()
export class OrganizationsService {
  constructor(
    private readonly em: EntityManager,
    private readonly events: DomainEventBus,
    private readonly realtime: RealtimeService,
    private readonly apiKeys: ApiKeysService,
    private readonly standings: StandingCache,
  ) {}

  /**
   * The caller's role, the organization's plan and allowlist, from this node's `StandingCache` or in one query;
   * undefined when not a member.
   */
  async standingOf(organizationId: string, userId: string): Promise<MemberStanding | undefined> {
    const cached = this.standings.get(organizationId, userId);
    if (cached) {
      return cached;
    }
    const generation = this.standings.generation;
    const standing = await this.readStanding(organizationId, userId);
    if (standing) {
      this.standings.set(organizationId, userId, standing, generation);
    }
    return standing;
  }

  private async readStanding(organizationId: string, userId: string): Promise<MemberStanding | undefined> {
    const [row] = await this.em.getConnection().execute<StandingRow[]>(STANDING_SQL, [organizationId, userId]);
    return row
      ? {
          role: row.role,
          plan: row.plan,
          ipAllowlist: row.ip_allowlist,
          ipAllowlistAppliesToMembers: row.ip_allowlist_applies_to_members,
        }
      : undefined;
  }

  /** Ids of the organizations both users are members of. */
  async sharedOrganizationIds(userId: string, otherUserId: string): Promise<string[]> {
    const em = this.em.fork();
    const mine = await em.find(Membership, { user: userId }, { fields: ['organization'] });
    const shared = await em.find(
      Membership,
      { user: otherUserId, organization: { $in: mine.map((m) => m.organization.id) } },
      { fields: ['organization'] },
    );
    return shared.map((m) => m.organization.id);
  }

  async roleOf(organizationId: string, userId: string): Promise<OrgRole | undefined> {
    const membership = await this.em
      .fork()
      .findOne(Membership, { organization: organizationId, user: userId }, { fields: ['role'] });
    return membership?.role;
  }

  async create(actor: AuthUser, dto: CreateOrganizationDto): Promise<OrganizationDto> {
    const explicit = Boolean(dto.slug);
    for (let attempt = 0; attempt < 5; attempt++) {
      const slug =
        dto.slug ??
        (attempt === 0 ? slugify(dto.name) : `${slugify(dto.name).slice(0, 40)}-${randomBytes(3).toString('hex')}`);
      try {
        const org = await this.em.transactional(async (em) => {
          const created = em.create(Organization, { name: dto.name, slug, createdById: actor.id });
          em.create(Membership, { organization: created, user: actor.id, role: OrgRole.Owner });
          await em.flush();
          return created;
        });
        return toOrganizationDto(org, OrgRole.Owner);
      } catch (error) {
        if (!(error instanceof UniqueConstraintViolationException) || explicit) {
          throw error instanceof UniqueConstraintViolationException
            ? new OrgError(OrgErrorCode.SlugTaken, `The slug "${slug}" is taken`, { field: 'slug' })
            : error;
        }
      }
    }
    throw new OrgError(OrgErrorCode.SlugTaken, 'Could not find a free slug; give one explicitly', { field: 'slug' });
  }

  async listMine(actor: AuthUser): Promise<OrganizationDto[]> {
    const memberships = await this.em.find(
      Membership,
      { user: actor.id },
      { populate: ['organization'], orderBy: { joinedAt: QueryOrder.ASC } },
    );
    return memberships.map((m) => toOrganizationDto(m.organization, m.role));
  }

  async get(org: OrgContext): Promise<OrganizationDto> {
    return toOrganizationDto(await this.em.findOneOrFail(Organization, org.id), org.role);
  }

  async update(org: OrgContext, dto: UpdateOrganizationDto): Promise<OrganizationDto> {
    const entity = await this.em.findOneOrFail(Organization, org.id);
    this.em.assign(entity, definedOnly(dto));
    try {
      await this.em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        throw new OrgError(OrgErrorCode.SlugTaken, `The slug "${dto.slug}" is taken`, { field: 'slug' });
      }
      throw error;
    }
    await this.events.publish('organization.updated', {
      organizationId: org.id,
      data: {
        organizationId: entity.id,
        name: entity.name,
        slug: entity.slug,
        plan: entity.plan,
      },
    });
    return toOrganizationDto(entity, org.role);
  }

  async members(org: OrgContext, page: PageQueryDto): Promise<MemberPageDto> {
    const [items, total] = await this.em.findAndCount(
      Membership,
      { organization: org.id },
      {
        populate: ['user'],
        orderBy: { joinedAt: QueryOrder.ASC, id: QueryOrder.ASC },
        limit: page.limit,
        offset: page.offset,
      },
    );
    return { items: items.map(toMemberDto), total, limit: page.limit, offset: page.offset };
  }

  /** Owners change anyone's role; admins only members', and never to owner. The last owner stays an owner. */
  async changeRole(org: OrgContext, actor: AuthUser, userId: string, role: OrgRole): Promise<MemberDto> {
    const { member, previousRole, revokedKeys } = await this.em.transactional(async (em) => {
      const target = await this.lockedMember(em, org, userId);
      this.assertOutranks(org, target, role);
      if (target.role === OrgRole.Owner && role !== OrgRole.Owner) {
        await this.assertAnotherOwner(em, org.id);
      }
      const previous = target.role;
      target.role = role;
      await em.flush();
      // The member's keys that carry scopes the new role lacks die with the demotion.
      const revoked = await this.apiKeys.revokeCreatedBy(em, userId, { organizationId: org.id, beyondRole: role });
      return { member: toMemberDto(target), previousRole: previous, revokedKeys: revoked };
    });
    await this.apiKeys.announceRevoked(revokedKeys, 'creator_role_changed');
    if (previousRole !== role) {
      await this.events.publish('member.role_changed', {
        organizationId: org.id,
        data: {
          userId,
          email: member.email,
          role,
          previousRole,
          changedById: actor.id,
        },
      });
    }
    return member;
  }

  async remove(org: OrgContext, actor: AuthUser, userId: string): Promise<void> {
    const result = await this.em.transactional(async (em) => {
      const target = await this.lockedMember(em, org, userId);
      if (userId !== actor.id) {
        this.assertOutranks(org, target, target.role);
      }
      if (target.role === OrgRole.Owner) {
        await this.assertAnotherOwner(em, org.id);
      }
      em.remove(target);
      await em.flush();
      await this.events.publish('organization.member.removed', { organizationId: org.id, userId }, em);
      // Their API keys in this organization die with the membership.
      const revokedKeys = await this.apiKeys.revokeCreatedBy(em, userId, { organizationId: org.id });
      return { userId, email: target.user.email ?? null, role: target.role, revokedKeys };
    });
    const { revokedKeys, ...removed } = result;
    await this.apiKeys.announceRevoked(revokedKeys, userId === actor.id ? 'creator_left' : 'creator_removed');
    this.realtime.leaveOrganization(userId, org.id);
    if (userId === actor.id) {
      await this.events.publish('member.left', { organizationId: org.id, data: removed });
    } else {
      await this.events.publish('member.removed', {
        organizationId: org.id,
        data: { ...removed, removedById: actor.id },
      });
    }
  }

  /**
   * In the transaction deleting an account: organizations where the user was the only member go with it (their data
   * cascades), organizations they owned alone get a new owner (the longest-standing admin, else member), and the
   * API keys they created die. Once committed, the revoked keys are announced and every organization they stay
   * gone from hears `member.left`.
   */
  @OnDomainEvent('account.deleting', { phase: 'transaction' })
  async onAccountDeleting(
    { userId, email }: DomainEvents['account.deleting'],
    { em, afterCommit }: DomainEventContext,
  ): Promise<void> {
    const revoked = await this.apiKeys.revokeCreatedBy(em, userId);
    const memberships = await em.find(Membership, { user: userId }, { populate: ['organization'] });
    const stays: { organizationId: string; role: OrgRole }[] = [];
    for (const membership of memberships) {
      const orgId = membership.organization.id;
      const others = await em.find(
        Membership,
        { organization: orgId, user: { $ne: userId } },
        { orderBy: { joinedAt: QueryOrder.ASC, id: QueryOrder.ASC } },
      );
      if (others.length === 0) {
        em.remove(membership.organization); // its data cascades with it
        continue;
      }
      if (membership.role === OrgRole.Owner && !others.some((m) => m.role === OrgRole.Owner)) {
        const heir = others.find((m) => m.role === OrgRole.Admin) ?? others[0];
        heir.role = OrgRole.Owner;
      }
      stays.push({ organizationId: orgId, role: membership.role });
    }
    await em.flush();
    const kept = new Set(stays.map((stay) => stay.organizationId));
    afterCommit(async () => {
      await this.apiKeys.announceRevoked(
        revoked.filter((key) => kept.has(key.organizationId)),
        'creator_deleted',
      );
      for (const { organizationId, role } of stays) {
        await this.events.publish('member.left', { organizationId, data: { userId, email, role } });
      }
    });
  }

  /** Organizations where the user is the only owner while others remain: deleting the account would orphan them. */
  async organizationsOnlyOwnedBy(userId: string): Promise<Organization[]> {
    const owned = await this.em.find(Membership, { user: userId, role: OrgRole.Owner }, { populate: ['organization'] });
    const orphaned: Organization[] = [];
    for (const membership of owned) {
      const orgId = membership.organization.id;
      const [owners, members] = await Promise.all([
        this.em.count(Membership, { organization: orgId, role: OrgRole.Owner }),
        this.em.count(Membership, { organization: orgId }),
      ]);
      if (owners === 1 && members > 1) {
        orphaned.push(membership.organization);
      }
    }
    return orphaned;
  }

  leave(org: OrgContext, actor: AuthUser): Promise<void> {
    return this.remove(org, actor, actor.id);
  }

  async securitySettings(org: OrgContext): Promise<SecuritySettingsDto> {
    const entity = await this.em.findOneOrFail(Organization, org.id);
    return { ipAllowlist: entity.ipAllowlist, applyToMembers: entity.ipAllowlistAppliesToMembers };
  }

  /**
   * Replaces the IP allowlist. Only people change it (an API key could otherwise lift the list that confines it),
   * and a list that applies to members must let the caller's own address in.
   */
  async updateSecuritySettings(
    org: OrgContext,
    actor: AuthUser,
    dto: UpdateSecuritySettingsDto,
    ip: string,
  ): Promise<SecuritySettingsDto> {
    if (actor.apiKey) {
      throw new OrgError(OrgErrorCode.ApiKeyNotAllowed, 'Only a logged-in owner or admin changes the IP allowlist');
    }
    const ipAllowlist = [...new Set(dto.ipAllowlist.map(normaliseCidr))];
    if (dto.applyToMembers && ipAllowlist.length > 0 && !ipAllowed(ipAllowlist, ip)) {
      throw new OrgError(
        OrgErrorCode.IpAllowlistExcludesCaller,
        `This list would shut you out: your address ${ip} is not on it`,
        { field: 'ipAllowlist', ip },
      );
    }
    const entity = await this.em.findOneOrFail(Organization, org.id);
    entity.ipAllowlist = ipAllowlist;
    entity.ipAllowlistAppliesToMembers = dto.applyToMembers;
    await this.em.flush();
    return { ipAllowlist, applyToMembers: entity.ipAllowlistAppliesToMembers };
  }

  /** System administration: set an organization's plan (billing lives outside Switchboard). */
  async setPlan(organizationId: string, plan: Plan): Promise<AdminOrganizationDto> {
    const org = await this.em.findOne(Organization, organizationId);
    if (!org) {
      throw new OrgError(OrgErrorCode.NotFound, `Organization ${organizationId} not found`);
    }
    org.plan = plan;
    await this.em.flush();
    return toAdminOrganizationDto(org, await this.em.count(Membership, { organization: org.id }));
  }

  async listAll(page: PageQueryDto & { q?: string }): Promise<AdminOrganizationPageDto> {
    const like = page.q ? likeContains(page.q) : undefined;
    const where = like ? { $or: [{ name: { $ilike: like } }, { slug: { $ilike: like } }] } : {};
    const [orgs, total] = await this.em.findAndCount(Organization, where, {
      orderBy: { createdAt: QueryOrder.DESC, id: QueryOrder.DESC },
      limit: page.limit,
      offset: page.offset,
    });
    // One grouped count for the page, not one query per organization.
    const counts = orgs.length
      ? await this.em
          .createQueryBuilder(Membership, 'm')
          .select(['m.organization', raw('count(*)::int as members')])
          .where({ organization: { $in: orgs.map((o) => o.id) } })
          .groupBy('m.organization')
          .execute<{ organization: string; members: number }[]>()
      : [];
    const membersOf = new Map(counts.map((c) => [c.organization, c.members]));
    const items = orgs.map((org) => toAdminOrganizationDto(org, membersOf.get(org.id) ?? 0));
    return { items, total, limit: page.limit, offset: page.offset };
  }

  permissions(): RolePermissionsDto[] {
    return (Object.entries(ROLE_PERMISSIONS) as [OrgRole, RolePermissionsDto['permissions']][]).map(
      ([role, permissions]) => ({
        role,
        permissions: [...permissions],
      }),
    );
  }

  private async lockedMember(em: EntityManager, org: OrgContext, userId: string): Promise<Membership> {
    await em.findOneOrFail(Organization, org.id, { lockMode: LockMode.PESSIMISTIC_WRITE });
    const member = await em.findOne(Membership, { organization: org.id, user: userId }, { populate: ['user'] });
    if (!member) {
      throw new OrgError(OrgErrorCode.MemberNotFound, `User ${userId} is not a member of this organization`);
    }
    return member;
  }

  private assertOutranks(org: OrgContext, target: Membership, newRole: OrgRole): void {
    if (org.role === OrgRole.Owner) {
      return;
    }
    if (ROLE_RANK[target.role] >= ROLE_RANK[org.role] || ROLE_RANK[newRole] >= ROLE_RANK[org.role]) {
      throw new OrgError(OrgErrorCode.RankTooLow, `As ${org.role} you can only manage members below your role`);
    }
  }

  private async assertAnotherOwner(em: EntityManager, organizationId: string): Promise<void> {
    if ((await em.count(Membership, { organization: organizationId, role: OrgRole.Owner })) <= 1) {
      throw new OrgError(
        OrgErrorCode.LastOwner,
        'The last owner cannot leave or be demoted; make someone else owner first',
      );
    }
  }
}

import { ArrayType, Entity, Enum, Property } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';

export enum Plan {
  Free = 'free',
  Pro = 'pro',
  Enterprise = 'enterprise',
}

/** A tenant: every domain object belongs to one organization, and every query is scoped by it. */
@Entity({ tableName: 'organizations' })
export class Organization extends BaseEntity<'plan' | 'ipAllowlist' | 'ipAllowlistAppliesToMembers'> {
  @Property({ type: 'string', length: 100 })
  name!: string;

  /** Lower-case, unique; for URLs. */
  @Property({ type: 'string', length: 50, unique: true })
  slug!: string;

  @Enum({ items: () => Plan, nativeEnumName: 'organization_plan' })
  plan: Plan = Plan.Free;

  @Property({ type: 'uuid' })
  createdById!: string;

  /** CIDRs (IPv4 or IPv6) the organization's API keys must come from; empty: any address. */
  @Property({ type: ArrayType, columnType: 'text[]', default: '{}' })
  ipAllowlist: string[] = [];

  /** The allowlist also holds for members' own requests to the organization's routes. */
  @Property({ type: 'boolean', default: false })
  ipAllowlistAppliesToMembers: boolean = false;
}

import { Entity, Enum, Property } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';

export enum Plan {
  Free = 'free',
  Pro = 'pro',
  Enterprise = 'enterprise',
}

/** A tenant: every domain object belongs to one organization, and every query is scoped by it. */
@Entity({ tableName: 'organizations' })
export class Organization extends BaseEntity<'plan'> {
  @Property({ type: 'string', length: 100 })
  name!: string;

  /** Lower-case, unique; for URLs. */
  @Property({ type: 'string', length: 50, unique: true })
  slug!: string;

  @Enum({ items: () => Plan, nativeEnumName: 'organization_plan' })
  plan: Plan = Plan.Free;

  @Property({ type: 'uuid' })
  createdById!: string;
}

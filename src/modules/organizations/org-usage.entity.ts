import { Entity, ManyToOne, PrimaryKeyProp, Property, type Rel } from '@mikro-orm/core';
import { Organization } from './organization.entity';

/** A usage counter of an organization for one quota and period (`total`, or a month as `2026-11`). */
@Entity({ tableName: 'org_usage' })
export class OrgUsage {
  [PrimaryKeyProp]?: ['organization', 'key', 'period'];

  @ManyToOne(() => Organization, { primary: true, deleteRule: 'cascade' })
  organization!: Rel<Organization>;

  @Property({ type: 'string', length: 50, primary: true })
  key!: string;

  @Property({ type: 'string', length: 10, primary: true })
  period!: string;

  @Property({ type: 'bigint' })
  used: number = 0;
}

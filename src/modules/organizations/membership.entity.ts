import { Entity, Enum, Index, ManyToOne, Property, type Rel, Unique } from '@mikro-orm/core';
import { OrgRole } from 'src/common/auth/org-role';
import { BaseEntity } from 'src/database/base.entity';
import { User } from 'src/modules/users/user.entity';
import { Organization } from './organization.entity';

export { OrgRole };

@Entity({ tableName: 'memberships' })
@Unique({ properties: ['organization', 'user'] })
@Index({ properties: ['user'] })
export class Membership extends BaseEntity<'joinedAt'> {
  @ManyToOne(() => Organization, { deleteRule: 'cascade' })
  organization!: Rel<Organization>;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: Rel<User>;

  @Enum({ items: () => OrgRole, nativeEnumName: 'org_role' })
  role!: OrgRole;

  @Property({ type: 'timestamptz' })
  joinedAt: Date = new Date();
}

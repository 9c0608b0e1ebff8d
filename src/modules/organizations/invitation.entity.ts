import { Entity, Enum, Index, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { OrgRole } from './membership.entity';
import { Organization } from './organization.entity';

/** An invitation by email: the token (stored hashed) is mailed, works once, and expires. */
@Entity({ tableName: 'invitations' })
@Index({ properties: ['organization', 'acceptedAt', 'revokedAt'] })
export class Invitation extends BaseEntity {
  @ManyToOne(() => Organization, { deleteRule: 'cascade' })
  organization!: Rel<Organization>;

  /** Lower-cased. */
  @Property({ type: 'string', length: 320 })
  email!: string;

  @Enum({ items: () => OrgRole, nativeEnumName: 'org_role' })
  role!: OrgRole;

  @Property({ type: 'string', length: 64, unique: true })
  tokenHash!: string;

  @Property({ type: 'uuid' })
  invitedById!: string;

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  acceptedAt?: Date;

  @Property({ type: 'uuid', nullable: true })
  acceptedById?: string;

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt?: Date;
}

import { Entity, Enum, Index, ManyToOne, Property, Unique, type Rel } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { Organization } from 'src/modules/organizations/organization.entity';

export enum SuppressionReason {
  Manual = 'manual',
  Unsubscribed = 'unsubscribed',
  Bounced = 'bounced',
  Complained = 'complained',
}

/** An address no campaign of the organization may write to, whether or not it is a contact. */
@Entity({ tableName: 'campaign_suppressions' })
@Unique({ properties: ['organization', 'email'] })
@Index({ properties: ['organization', 'createdAt', 'id'] })
export class Suppression extends BaseEntity {
  @ManyToOne(() => Organization, { deleteRule: 'cascade' })
  organization!: Rel<Organization>;

  /** Lower-cased and trimmed. */
  @Property({ type: 'string', length: 320 })
  email!: string;

  @Enum({ items: () => SuppressionReason, nativeEnumName: 'campaign_suppression_reason' })
  reason!: SuppressionReason;

  @Property({ type: 'string', length: 500, nullable: true })
  note?: string;
}

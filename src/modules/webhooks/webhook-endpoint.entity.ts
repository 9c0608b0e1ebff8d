import { ArrayType, Entity, Index, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { Organization } from 'src/modules/organizations/organization.entity';

/** A URL an organization receives events at. The signing secret is stored encrypted (it must be usable to sign). */
@Entity({ tableName: 'webhook_endpoints' })
@Index({ properties: ['organization', 'createdAt'] })
export class WebhookEndpoint extends BaseEntity<'consecutiveFailures'> {
  @ManyToOne(() => Organization, { deleteRule: 'cascade' })
  organization!: Rel<Organization>;

  @Property({ type: 'text' })
  url!: string;

  @Property({ type: 'string', length: 500, nullable: true })
  description?: string;

  /** Event types delivered here; empty means every event. */
  @Property({ type: ArrayType })
  eventTypes!: string[];

  /** `whsec_<base64>`, sealed with the SecretBox (AES-256-GCM). */
  @Property({ type: 'text', hidden: true })
  secretSealed!: string;

  @Property({ type: 'uuid' })
  createdById!: string;

  /** Set when disabled, by a user or automatically after sustained failure; deliveries are then not attempted. */
  @Property({ type: 'timestamptz', nullable: true })
  disabledAt?: Date;

  @Property({ type: 'string', length: 200, nullable: true })
  disabledReason?: string;

  /** Start of the current run of failed attempts; cleared by any success. */
  @Property({ type: 'timestamptz', nullable: true })
  failingSince?: Date;

  @Property({ type: 'integer' })
  consecutiveFailures: number = 0;
}

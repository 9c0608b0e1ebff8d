import { Entity, Index, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { Organization } from 'src/modules/organizations/organization.entity';

/** One event as sent to every subscribed endpoint: the body is the same for each delivery and attempt. */
@Entity({ tableName: 'webhook_messages' })
@Index({ properties: ['organization', 'createdAt'] })
export class WebhookMessage extends BaseEntity {
  @ManyToOne(() => Organization, { deleteRule: 'cascade' })
  organization!: Rel<Organization>;

  @Property({ type: 'string', length: 100 })
  eventType!: string;

  /** The exact JSON body signed and sent: `{ type, timestamp, data }`. */
  @Property({ type: 'text' })
  body!: string;
}

import { Entity, Enum, Index, ManyToOne, Property, type Rel, Unique } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { Organization } from 'src/modules/organizations/organization.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { WebhookMessage } from './webhook-message.entity';

export enum DeliveryStatus {
  Pending = 'pending',
  Succeeded = 'succeeded',
  /** Every scheduled attempt failed, or the endpoint was disabled; a manual replay may still succeed. */
  Failed = 'failed',
}

/** A message to one endpoint. `attempts` counts the scheduled attempts made (manual replays are not counted). */
@Entity({ tableName: 'webhook_deliveries' })
@Unique({ properties: ['message', 'endpoint'] })
@Index({ properties: ['endpoint', 'createdAt'] })
@Index({ properties: ['status', 'nextAttemptAt'] })
export class WebhookDelivery extends BaseEntity<'status' | 'attempts'> {
  @ManyToOne(() => Organization, { deleteRule: 'cascade' })
  organization!: Rel<Organization>;

  @ManyToOne(() => WebhookEndpoint, { deleteRule: 'cascade' })
  endpoint!: Rel<WebhookEndpoint>;

  @ManyToOne(() => WebhookMessage, { deleteRule: 'cascade' })
  message!: Rel<WebhookMessage>;

  @Enum({ items: () => DeliveryStatus, nativeEnumName: 'webhook_delivery_status' })
  status: DeliveryStatus = DeliveryStatus.Pending;

  @Property({ type: 'integer' })
  attempts: number = 0;

  /** When the next scheduled attempt is due (pending deliveries only). */
  @Property({ type: 'timestamptz', nullable: true })
  nextAttemptAt?: Date;

  @Property({ type: 'timestamptz', nullable: true })
  lastAttemptAt?: Date;

  @Property({ type: 'integer', nullable: true })
  lastResponseStatus?: number;
}

import { Entity, Enum, Index, ManyToOne, Property, type Rel, Unique } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { WebhookDelivery } from './webhook-delivery.entity';

export enum AttemptTrigger {
  Scheduled = 'scheduled',
  Manual = 'manual',
}

/** One HTTP request of a delivery: what the receiver answered, how fast, or why it failed. */
@Entity({ tableName: 'webhook_attempts' })
@Index({ properties: ['delivery', 'createdAt'] })
@Unique({ properties: ['delivery', 'scheduleIndex'] })
export class WebhookAttempt extends BaseEntity {
  @ManyToOne(() => WebhookDelivery, { deleteRule: 'cascade' })
  delivery!: Rel<WebhookDelivery>;

  @Enum({ items: () => AttemptTrigger, nativeEnumName: 'webhook_attempt_trigger' })
  trigger!: AttemptTrigger;

  /** 1-based position in the retry schedule for scheduled attempts (unique per delivery); null for replays. */
  @Property({ type: 'integer', nullable: true })
  scheduleIndex?: number;

  @Property({ type: 'boolean' })
  succeeded!: boolean;

  @Property({ type: 'integer', nullable: true })
  responseStatus?: number;

  @Property({ type: 'integer' })
  latencyMs!: number;

  /** The first kilobyte of the response body. */
  @Property({ type: 'text', nullable: true })
  responseExcerpt?: string;

  /** Network or timeout error, when there was no HTTP answer. */
  @Property({ type: 'string', length: 500, nullable: true })
  error?: string;
}

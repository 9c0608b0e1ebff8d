import { Entity, Enum, Index, Property, Unique } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';

export enum SystemMailStatus {
  Queued = 'queued',
  Sent = 'sent',
  Failed = 'failed',
}

/**
 * One system mail (verification, reset, invitation…): who it went to and whether it left. The body is not
 * stored — it may carry single-use tokens — it travels only in the queued job.
 */
@Entity({ tableName: 'system_mails' })
@Index({ properties: ['status', 'createdAt'] })
export class SystemMail extends BaseEntity<'status' | 'attempts'> {
  @Property({ type: 'string', length: 320 })
  to!: string;

  @Property({ type: 'string', length: 998 })
  subject!: string;

  /** Which kind of mail this is (`auth.verify-email`…), for auditing and metrics. */
  @Property({ type: 'string', length: 100 })
  template!: string;

  @Enum({ items: () => SystemMailStatus, nativeEnumName: 'system_mail_status' })
  status: SystemMailStatus = SystemMailStatus.Queued;

  /** Caller-chosen key: sending twice with the same key queues one mail. */
  @Property({ type: 'string', length: 200, nullable: true })
  @Unique()
  idempotencyKey?: string;

  @Property({ type: 'integer' })
  attempts: number = 0;

  /** SMTP Message-ID, or the outbox file name when no SMTP server is configured. */
  @Property({ type: 'string', length: 998, nullable: true })
  messageId?: string;

  @Property({ type: 'text', nullable: true })
  lastError?: string;

  @Property({ type: 'timestamptz', nullable: true })
  sentAt?: Date;
}

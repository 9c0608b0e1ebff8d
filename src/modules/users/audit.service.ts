import { DomainEventContext, OnDomainEvent } from 'src/common/events/domain-events';
import type {} from 'src/modules/settings/settings.events';
import { EntityManager, FilterQuery, QueryOrder } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { AuditEvent, AuditEventType } from './audit-event.entity';

export interface AuditContext {
  actorId?: string;
  subjectId?: string;
  ip?: string;
  userAgent?: string;
  metadata?: Record<string, unknown>;
}

export interface AuditQuery {
  type?: AuditEventType;
  subjectId?: string;
  actorId?: string;
  from?: Date;
  to?: Date;
  limit: number;
  offset: number;
}

/** Security events, written in their own transaction so a failure of the caller (a rejected login) still records. */
@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(private readonly em: EntityManager) {}

  /**
   * Account deletion: security-log entries about the user are kept for the record but stripped of address, device
   * and details — in the deleting transaction, and once more after it for an entry written by a request that was
   * in flight (a sign-in) meanwhile.
   */
  @OnDomainEvent('account.deleting', { phase: 'transaction' })
  @OnDomainEvent('account.deleted')
  async anonymise({ userId }: { userId: string }, { em }: DomainEventContext): Promise<void> {
    await em.nativeUpdate(
      AuditEvent,
      { $or: [{ subjectId: userId }, { actorId: userId }] },
      { ip: null, userAgent: null, metadata: null },
    );
  }

  async record(type: AuditEventType, context: AuditContext): Promise<void> {
    const fork = this.em.fork();
    fork.create(AuditEvent, { type, ...context });
    await fork.flush();
    this.logger.log({ audit: type, actorId: context.actorId, subjectId: context.subjectId, ip: context.ip }, 'audit');
  }

  async list(query: AuditQuery): Promise<[AuditEvent[], number]> {
    const where: FilterQuery<AuditEvent> = {};
    if (query.type) {
      where.type = query.type;
    }
    if (query.subjectId) {
      where.subjectId = query.subjectId;
    }
    if (query.actorId) {
      where.actorId = query.actorId;
    }
    if (query.from || query.to) {
      where.createdAt = { ...(query.from ? { $gte: query.from } : {}), ...(query.to ? { $lt: query.to } : {}) };
    }
    return this.em.fork().findAndCount(AuditEvent, where, {
      orderBy: { createdAt: QueryOrder.DESC, id: QueryOrder.DESC },
      limit: query.limit,
      offset: query.offset,
    });
  }
}

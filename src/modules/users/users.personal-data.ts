import { Injectable } from '@nestjs/common';
import { afterCursor, EXPORT_PAGE, pagedRows } from 'src/common/domain/personal-data';
import { OnDomainEvent, type DomainEvents } from 'src/common/events/domain-events';
import type {} from 'src/modules/settings/settings.events';
import { AuditEvent } from './audit-event.entity';

/** The users domain's part of the data export: the security log about the account or made by it. */
@Injectable()
export class UsersPersonalData {
  @OnDomainEvent('account.export', { phase: 'transaction' })
  contribute({ add }: DomainEvents['account.export']): void {
    add({
      name: 'securityEvents',
      rows: (em, userId) =>
        pagedRows(
          (after) =>
            em.find(
              AuditEvent,
              { $and: [{ $or: [{ subjectId: userId }, { actorId: userId }] }, afterCursor(after)] },
              EXPORT_PAGE,
            ),
          (e) => ({
            type: e.type,
            actorId: e.actorId ?? null,
            subjectId: e.subjectId ?? null,
            ip: e.ip ?? null,
            userAgent: e.userAgent ?? null,
            metadata: e.metadata ?? null,
            createdAt: e.createdAt,
          }),
        ),
    });
  }
}

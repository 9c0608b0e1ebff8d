import { Injectable } from '@nestjs/common';
import { afterCursor, EXPORT_PAGE, pagedRows } from 'src/common/domain/personal-data';
import { OnDomainEvent, type DomainEvents } from 'src/common/events/domain-events';
import type {} from 'src/modules/settings/settings.events';
import { Report } from './report.entity';

/** The reports domain's part of the data export: reports the account filed, with their status. */
@Injectable()
export class ReportsPersonalData {
  @OnDomainEvent('account.export', { phase: 'transaction' })
  contribute({ add }: DomainEvents['account.export']): void {
    add({
      name: 'reports',
      rows: (em, userId) =>
        pagedRows(
          (after) => em.find(Report, { reporter: userId, ...afterCursor(after) }, EXPORT_PAGE),
          (r) => ({
            id: r.id,
            type: r.type,
            reason: r.reason ?? null,
            title: r.title ?? null,
            description: r.description ?? null,
            status: r.status,
            organizationId: r.organization?.id ?? null,
            targetMessageId: r.targetMessageId ?? null,
            targetUserId: r.targetUser?.id ?? null,
            createdAt: r.createdAt,
            closedAt: r.closedAt ?? null,
          }),
        ),
    });
  }
}

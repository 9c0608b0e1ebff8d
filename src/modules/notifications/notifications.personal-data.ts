import { Injectable } from '@nestjs/common';
import { afterCursor, EXPORT_PAGE, pagedRows } from 'src/common/domain/personal-data';
import { OnDomainEvent, type DomainEvents } from 'src/common/events/domain-events';
import type {} from 'src/modules/settings/settings.events';
import { Notification } from './notification.entity';

/** The notifications domain's part of the data export: notifications addressed to the account. */
@Injectable()
export class NotificationsPersonalData {
  @OnDomainEvent('account.export', { phase: 'transaction' })
  contribute({ add }: DomainEvents['account.export']): void {
    add({
      name: 'notifications',
      rows: (em, userId) =>
        pagedRows(
          (after) => em.find(Notification, { user: userId, ...afterCursor(after) }, EXPORT_PAGE),
          (n) => ({
            id: n.id,
            organizationId: n.organization?.id ?? null,
            type: n.type,
            title: n.title,
            body: n.body,
            data: n.data,
            createdAt: n.createdAt,
            readAt: n.readAt ?? null,
          }),
        ),
    });
  }
}

import { Injectable } from '@nestjs/common';
import { afterCursor, EXPORT_PAGE, pagedRows } from 'src/common/domain/personal-data';
import { OnDomainEvent, type DomainEvents } from 'src/common/events/domain-events';
import './settings.events';
import { DataExport } from './data-export.entity';

/** The settings domain's part of the data export: earlier exports (when, state). */
@Injectable()
export class SettingsPersonalData {
  @OnDomainEvent('account.export', { phase: 'transaction' })
  contribute({ add }: DomainEvents['account.export']): void {
    add({
      name: 'dataExports',
      rows: (em, userId) =>
        pagedRows(
          (after) => em.find(DataExport, { user: userId, ...afterCursor(after) }, EXPORT_PAGE),
          (d) => ({
            id: d.id,
            status: d.status,
            createdAt: d.createdAt,
            readyAt: d.readyAt ?? null,
            expiresAt: d.expiresAt ?? null,
          }),
        ),
    });
  }
}

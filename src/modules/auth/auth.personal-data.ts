import { Injectable } from '@nestjs/common';
import { afterCursor, EXPORT_PAGE, pagedRows } from 'src/common/domain/personal-data';
import { OnDomainEvent, type DomainEvents } from 'src/common/events/domain-events';
import type {} from 'src/modules/settings/settings.events';
import { Session } from './session.entity';

/** The auth domain's part of the data export: sign-in sessions. */
@Injectable()
export class AuthPersonalData {
  @OnDomainEvent('account.export', { phase: 'transaction' })
  contribute({ add }: DomainEvents['account.export']): void {
    add({
      name: 'sessions',
      rows: (em, userId) =>
        pagedRows(
          (after) => em.find(Session, { user: userId, ...afterCursor(after) }, EXPORT_PAGE),
          (s) => ({
            id: s.id,
            userAgent: s.userAgent ?? null,
            ip: s.ip ?? null,
            mfa: s.mfa,
            createdAt: s.createdAt,
            lastSeenAt: s.lastSeenAt,
            expiresAt: s.expiresAt,
            revokedAt: s.revokedAt ?? null,
            revokedReason: s.revokedReason ?? null,
          }),
        ),
    });
  }
}

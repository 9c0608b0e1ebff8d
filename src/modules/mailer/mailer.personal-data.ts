import { Injectable } from '@nestjs/common';
import { afterCursor, EXPORT_PAGE, pagedRows } from 'src/common/domain/personal-data';
import { OnDomainEvent, type DomainEvents } from 'src/common/events/domain-events';
import type {} from 'src/modules/settings/settings.events';
import { SystemMail } from './system-mail.entity';

/** The mailer's part of the data export: system mail sent to the account's address (subject, state, when). */
@Injectable()
export class MailerPersonalData {
  @OnDomainEvent('account.export', { phase: 'transaction' })
  contribute({ email, add }: DomainEvents['account.export']): void {
    add({
      name: 'systemMails',
      rows: (em) =>
        pagedRows(
          (after) =>
            email ? em.find(SystemMail, { to: email, ...afterCursor(after) }, EXPORT_PAGE) : Promise.resolve([]),
          (m) => ({
            to: m.to,
            subject: m.subject,
            template: m.template,
            status: m.status,
            createdAt: m.createdAt,
            sentAt: m.sentAt ?? null,
          }),
        ),
    });
  }
}

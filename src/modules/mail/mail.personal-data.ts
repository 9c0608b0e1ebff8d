import { Injectable } from '@nestjs/common';
import { afterCursor, EXPORT_PAGE, pagedRows } from 'src/common/domain/personal-data';
import { OnDomainEvent, type DomainEvents } from 'src/common/events/domain-events';
import type {} from 'src/modules/settings/settings.events';
import { MailAccount } from './mail-account.entity';
import { toMailAccountDto } from './mail-accounts.service';
import { MailFolder } from './mail-folder.entity';
import { MailMessage } from './mail-message.entity';
import { MailSubmission } from './mail-submission.entity';

/**
 * The mail domain's part of the data export: accounts (never their passwords), folders, the metadata of every
 * synced message (bodies stay on the user's mail server, where they can be downloaded in full; the copy here is a
 * cache), and what was sent or scheduled through Switchboard.
 */
@Injectable()
export class MailPersonalData {
  @OnDomainEvent('account.export', { phase: 'transaction' })
  contribute({ add }: DomainEvents['account.export']): void {
    add({
      name: 'mailAccounts',
      rows: (em, userId) =>
        pagedRows(
          (after) => em.find(MailAccount, { user: userId, ...afterCursor(after) }, EXPORT_PAGE),
          (a) => ({ ...toMailAccountDto(a), organizationId: a.organization.id }),
        ),
    });
    add({
      name: 'mailFolders',
      rows: (em, userId) =>
        pagedRows(
          (after) => em.find(MailFolder, { account: { user: userId }, ...afterCursor(after) }, EXPORT_PAGE),
          (f) => ({
            accountId: f.account.id,
            path: f.path,
            name: f.name,
            role: f.role ?? null,
            total: f.total,
            unseen: f.unseen,
          }),
        ),
    });
    add({
      name: 'mailMessages',
      rows: (em, userId) =>
        pagedRows(
          (after) =>
            em.find(
              MailMessage,
              { account: { user: userId }, ...afterCursor(after) },
              { ...EXPORT_PAGE, populate: ['folder'], exclude: ['textBody', 'htmlBody', 'search'] },
            ),
          (m) => ({
            id: m.id,
            accountId: m.account.id,
            folder: m.folder.path,
            messageId: m.messageId ?? null,
            threadId: m.threadId ?? null,
            subject: m.subject ?? null,
            from: m.from ?? null,
            to: m.to,
            cc: m.cc,
            sentAt: m.sentAt ?? null,
            internalDate: m.internalDate,
            flags: m.flags,
            size: m.size,
            attachments: m.attachments.map(({ filename, contentType, size }) => ({ filename, contentType, size })),
          }),
        ),
    });
    add({
      name: 'mailSubmissions',
      rows: (em, userId) =>
        pagedRows(
          (after) =>
            em.find(MailSubmission, { user: userId, ...afterCursor(after) }, { ...EXPORT_PAGE, exclude: ['raw'] }),
          (s) => ({
            id: s.id,
            accountId: s.account.id,
            status: s.status,
            messageId: s.messageId,
            to: s.content.to,
            cc: s.content.cc,
            bcc: s.content.bcc,
            subject: s.content.subject,
            text: s.content.text,
            html: s.content.html,
            attachments: s.content.attachments.map(({ filename, contentType, size }) => ({
              filename,
              contentType,
              size,
            })),
            sendAt: s.sendAt ?? null,
            sentAt: s.sentAt ?? null,
            error: s.error ?? null,
            createdAt: s.createdAt,
          }),
        ),
    });
  }
}

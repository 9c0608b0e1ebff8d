import { defineDomain } from 'src/common/domain/domain-definition';
import { MailAccount } from './mail-account.entity';
import { MailFolder } from './mail-folder.entity';
import { MailMessage } from './mail-message.entity';
import { MailSubmission } from './mail-submission.entity';
import { MailUpload } from './mail-upload.entity';
import { MailError } from './mail.errors';
import { MAIL_QUEUE_DEFINITION } from './mail.jobs';

export enum MailPermission {
  /** Connect one's own mailboxes and use them (read, search, send). */
  Use = 'mail.use',
}

export const mailDomain = defineDomain({
  name: 'mail',
  summary: 'Mail accounts over IMAP/SMTP: sync, search, read, send, schedule, drafts, attachments',
  entities: [MailAccount, MailFolder, MailMessage, MailUpload, MailSubmission],
  errors: [MailError],
  queues: [MAIL_QUEUE_DEFINITION],
  permissions: {
    [MailPermission.Use]: {
      description: "Connect one's own mailboxes and use them (read, search, send)",
      roles: ['admin', 'member'],
    },
  },
  webhookEvents: {
    'mail.received': 'A new message arrived in a synced mailbox (after its first sync)',
    'mail.account_state': 'A mail account changed sync state (connected, failing, refused credentials)',
    'mail.sent': 'An outgoing message was accepted by the SMTP server',
    'mail.send_failed': 'An outgoing message failed for good (refused, or out of retries)',
  },
  personalData: {
    exportSections: {
      mailAccounts: 'Connected mail accounts (address, servers, state; passwords are never exported)',
      mailFolders: 'Folders of those accounts, with their counts',
      mailMessages:
        'Metadata of synced messages (folder, subject, from, to, date, flags); bodies stay on the mail server',
      mailSubmissions: 'Messages sent or scheduled through Switchboard (recipients, subject, state)',
    },
  },
});

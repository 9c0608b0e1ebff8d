import { defineDomain } from 'src/common/domain/domain-definition';
import { SYSTEM_QUEUE_DEFINITION } from './mailer.jobs';
import { SystemMail } from './system-mail.entity';

export const mailerDomain = defineDomain({
  name: 'mailer',
  summary: 'System mail (verification, password reset, invitations) through a queued SMTP transport',
  entities: [SystemMail],
  queues: [SYSTEM_QUEUE_DEFINITION],
  personalData: { exportSections: { systemMails: 'System mail sent to this account (subject, state, when)' } },
});

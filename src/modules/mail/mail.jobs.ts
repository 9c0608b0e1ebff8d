import type { QueueDefinition } from 'src/queue/queue.types';

/** Mail: (re)connecting accounts to their IMAP server; sending and scheduled sends. */
export const MAIL_QUEUE = 'mail';

export enum MailJob {
  ConnectMailAccount = 'mail.connect-account',
  SendMail = 'mail.send',
  SweepMailOutbox = 'mail.sweep-outbox',
}

declare module 'src/queue/queue.types' {
  interface JobPayloads {
    /** An account was added, changed, paused or resumed: the worker owning it (or any) reconciles its connection. */
    [MailJob.ConnectMailAccount]: { accountId: string };
    /** Sends one outgoing message (jobId `mail-send-<submission id>`; delayed until `sendAt` when scheduled). */
    [MailJob.SendMail]: { submissionId: string; requestId?: string };
    /** Re-queues outbox entries whose job never made it to Redis (a crash between the insert and the enqueue). */
    [MailJob.SweepMailOutbox]: Record<string, never>;
  }
}

export const MAIL_QUEUE_DEFINITION: QueueDefinition = {
  name: MAIL_QUEUE,
  description: 'Mail: (re)connecting accounts to their IMAP server; sending and scheduled sends.',
  jobs: {
    [MailJob.ConnectMailAccount]: "Reconciles one account's IMAP connection",
    [MailJob.SendMail]: 'Sends one outgoing message',
    [MailJob.SweepMailOutbox]: 'Re-queues outbox entries whose job went missing',
  },
};

/** Every BullMQ queue. A queue groups jobs that share a worker pool and retry policy. */
export enum QueueName {
  /** Outgoing system mail (verification, password resets, invitations) and other platform chores. */
  System = 'system',
  /** Outgoing webhook deliveries, one job per scheduled attempt or manual replay, and the recovery sweep. */
  Webhooks = 'webhooks',
  /** A user's own account chores: data-export archives, deletion after the grace period, expiry housekeeping. */
  Account = 'account',
  /** Mail: (re)connecting accounts to their IMAP server; sending and scheduled sends. */
  Mail = 'mail',
  /** Chat: imports of WhatsApp / Telegram exports. */
  Chat = 'chat',
  /** Calls: scheduled calls starting at their time, and the sweep that re-queues any whose job went missing. */
  Calls = 'calls',
}

/** Every job name, across queues. Each belongs to exactly one queue (see `JOB_QUEUE`). */
export enum JobName {
  SendSystemMail = 'system.send-mail',
  DeliverWebhook = 'webhooks.deliver',
  SweepWebhooks = 'webhooks.sweep',
  BuildDataExport = 'account.build-export',
  DeleteAccount = 'account.delete',
  AccountHousekeeping = 'account.housekeeping',
  ConnectMailAccount = 'mail.connect-account',
  SendMail = 'mail.send',
  SweepMailOutbox = 'mail.sweep-outbox',
  ChatImport = 'chat.import',
  StartScheduledCall = 'calls.start-scheduled',
  SweepScheduledCalls = 'calls.sweep-scheduled',
}

export const JOB_QUEUE = {
  [JobName.SendSystemMail]: QueueName.System,
  [JobName.DeliverWebhook]: QueueName.Webhooks,
  [JobName.SweepWebhooks]: QueueName.Webhooks,
  [JobName.BuildDataExport]: QueueName.Account,
  [JobName.DeleteAccount]: QueueName.Account,
  [JobName.AccountHousekeeping]: QueueName.Account,
  [JobName.ConnectMailAccount]: QueueName.Mail,
  [JobName.SendMail]: QueueName.Mail,
  [JobName.SweepMailOutbox]: QueueName.Mail,
  [JobName.ChatImport]: QueueName.Chat,
  [JobName.StartScheduledCall]: QueueName.Calls,
  [JobName.SweepScheduledCalls]: QueueName.Calls,
} as const satisfies Record<JobName, QueueName>;

/** Payload of each job. Carries the originating request id so the worker's log lines can be correlated. */
export interface JobPayloads {
  [JobName.SendSystemMail]: {
    mailId: string;
    message: { to: string; subject: string; text: string; html?: string };
    requestId?: string;
  };
  /** `scheduleIndex` is the 1-based attempt of the retry schedule; absent for a manual replay. */
  [JobName.DeliverWebhook]: { deliveryId: string; scheduleIndex?: number; requestId?: string };
  [JobName.SweepWebhooks]: Record<string, never>;
  [JobName.BuildDataExport]: { exportId: string; requestId?: string };
  /** Runs when the grace period ends; does nothing if the deletion was cancelled (or postponed) meanwhile. */
  [JobName.DeleteAccount]: { userId: string; requestId?: string };
  [JobName.AccountHousekeeping]: Record<string, never>;
  /** An account was added, changed, paused or resumed: the worker owning it (or any) reconciles its connection. */
  [JobName.ConnectMailAccount]: { accountId: string };
  /** Sends one outgoing message (jobId `mail-send-<submission id>`; delayed until `sendAt` when scheduled). */
  [JobName.SendMail]: { submissionId: string; requestId?: string };
  /** Re-queues outbox entries whose job never made it to Redis (a crash between the insert and the enqueue). */
  [JobName.SweepMailOutbox]: Record<string, never>;
  /** Parses an uploaded chat export into an imported conversation (jobId `chat-import-<import id>`). */
  [JobName.ChatImport]: { importId: string; requestId?: string };
  /** A scheduled call's time came (jobId `call-start-<call id>`, delayed until `scheduledAt`; removed on cancel). */
  [JobName.StartScheduledCall]: { callId: string; requestId?: string };
  /** Re-queues scheduled calls whose job never made it to Redis (a crash between the commit and the enqueue). */
  [JobName.SweepScheduledCalls]: Record<string, never>;
}

/** Job names that run on queue `Q`. */
export type JobsOf<Q extends QueueName> = {
  [J in JobName]: (typeof JOB_QUEUE)[J] extends Q ? J : never;
}[JobName];

export const DEFAULT_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: 1000,
  removeOnFail: 5000,
} as const;

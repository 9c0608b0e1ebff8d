import type { QueueDefinition } from 'src/queue/queue.types';

/** Outgoing system mail (verification, password resets, invitations) and other platform chores. */
export const SYSTEM_QUEUE = 'system';

export enum SystemJob {
  SendSystemMail = 'system.send-mail',
}

declare module 'src/queue/queue.types' {
  interface JobPayloads {
    [SystemJob.SendSystemMail]: {
      mailId: string;
      message: { to: string; subject: string; text: string; html?: string };
      requestId?: string;
    };
  }
}

export const SYSTEM_QUEUE_DEFINITION: QueueDefinition = {
  name: SYSTEM_QUEUE,
  description: 'Outgoing system mail (verification, password resets, invitations) and other platform chores.',
  jobs: {
    [SystemJob.SendSystemMail]: 'Sends one system mail (verification, password reset, invitation…)',
  },
};

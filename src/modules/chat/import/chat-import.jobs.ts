import type { QueueDefinition } from 'src/queue/queue.types';

/** Chat: imports of WhatsApp / Telegram exports. */
export const CHAT_QUEUE = 'chat';

export enum ChatJob {
  ChatImport = 'chat.import',
}

declare module 'src/queue/queue.types' {
  interface JobPayloads {
    /** Parses an uploaded chat export into an imported conversation (jobId `chat-import-<import id>`). */
    [ChatJob.ChatImport]: { importId: string; requestId?: string };
  }
}

export const CHAT_QUEUE_DEFINITION: QueueDefinition = {
  name: CHAT_QUEUE,
  description: 'Chat: imports of WhatsApp / Telegram exports.',
  jobs: {
    [ChatJob.ChatImport]: 'Parses an uploaded chat export into an imported conversation',
  },
};

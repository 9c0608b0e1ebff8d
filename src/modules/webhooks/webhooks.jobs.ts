import type { QueueDefinition } from 'src/queue/queue.types';

/** Outgoing webhook deliveries, one job per scheduled attempt or manual replay, and the recovery sweep. */
export const WEBHOOKS_QUEUE = 'webhooks';

export enum WebhooksJob {
  DeliverWebhook = 'webhooks.deliver',
  SweepWebhooks = 'webhooks.sweep',
}

declare module 'src/queue/queue.types' {
  interface JobPayloads {
    /** `scheduleIndex` is the 1-based attempt of the retry schedule; absent for a manual replay. */
    [WebhooksJob.DeliverWebhook]: { deliveryId: string; scheduleIndex?: number; requestId?: string };
    [WebhooksJob.SweepWebhooks]: Record<string, never>;
  }
}

export const WEBHOOKS_QUEUE_DEFINITION: QueueDefinition = {
  name: WEBHOOKS_QUEUE,
  description: 'Outgoing webhook deliveries, one job per scheduled attempt or manual replay, and the recovery sweep.',
  jobs: {
    [WebhooksJob.DeliverWebhook]: 'One delivery attempt of a webhook message to one endpoint',
    [WebhooksJob.SweepWebhooks]: 'Re-queues deliveries whose attempt job went missing',
  },
};

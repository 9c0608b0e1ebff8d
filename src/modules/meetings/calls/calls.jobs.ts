import type { QueueDefinition } from 'src/queue/queue.types';

/** Calls: scheduled calls starting at their time, and the sweep that re-queues any whose job went missing. */
export const CALLS_QUEUE = 'calls';

export enum CallsJob {
  StartScheduledCall = 'calls.start-scheduled',
  SweepScheduledCalls = 'calls.sweep-scheduled',
}

declare module 'src/queue/queue.types' {
  interface JobPayloads {
    /** A scheduled call's time came (jobId `call-start-<call id>`, delayed until `scheduledAt`; removed on cancel). */
    [CallsJob.StartScheduledCall]: { callId: string; requestId?: string };
    /** Re-queues scheduled calls whose job never made it to Redis (a crash between the commit and the enqueue). */
    [CallsJob.SweepScheduledCalls]: Record<string, never>;
  }
}

export const CALLS_QUEUE_DEFINITION: QueueDefinition = {
  name: CALLS_QUEUE,
  description:
    'Calls: scheduled calls starting at their time, and the sweep that re-queues any whose job went missing.',
  jobs: {
    [CallsJob.StartScheduledCall]: 'Starts a scheduled call at its time',
    [CallsJob.SweepScheduledCalls]: 'Re-queues scheduled calls whose job went missing',
  },
};

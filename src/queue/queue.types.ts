/**
 * Payload of each job, by job name. Empty here: each domain adds its jobs by declaration merging from its own
 * folder (see `src/modules/mail/mail.jobs.ts`), so the platform names no domain job. A job's name starts with its
 * queue's name and a dot (`mail.send` runs on queue `mail`). Payloads carry the originating request id when there
 * is one so the worker's log lines can be correlated.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface JobPayloads {}

export type JobName = keyof JobPayloads & string;

/** Job names that run on queue `Q`. */
export type JobsOf<Q extends string> = Extract<JobName, `${Q}.${string}`>;

/** A queue a domain declares: a group of jobs that share a worker pool and retry policy. */
export interface QueueDefinition {
  name: string;
  description: string;
  /** Job name (`<queue>.<action>`) → what it does. */
  jobs: Readonly<Record<string, string>>;
}

/** The queue a job name runs on: the part before the first dot. */
export function queueOfJob(job: string): string {
  const dot = job.indexOf('.');
  return dot < 0 ? job : job.slice(0, dot);
}

export const DEFAULT_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: 1000,
  removeOnFail: 5000,
} as const;

/** Injection token of the queue definitions the application was built with (every domain's, in order). */
export const QUEUE_DEFINITIONS = Symbol('QUEUE_DEFINITIONS');

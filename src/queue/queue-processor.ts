import { CreateRequestContext, EntityManager } from '@mikro-orm/postgresql';
import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { JobPayloads, JobsOf } from './queue.types';

/** A job the cluster runs every `every` ms (one Redis entry, whatever the number of worker processes). */
export interface JobSchedule<Q extends string> {
  id: string;
  every: number;
  job: JobsOf<Q>;
}

export type JobHandlers<Q extends string> = {
  [J in JobsOf<Q>]: (data: JobPayloads[J], job: Job<JobPayloads[J]>) => Promise<unknown>;
};

/**
 * Base of every domain processor. A subclass names its queue and gives one handler per job of that queue;
 * the `JobHandlers` type makes a missing handler a compile error, and `QueueWorkersService` refuses to start
 * a worker process whose queues lack a processor. Unknown job names fail the job (visible in the failed set)
 * rather than being dropped.
 *
 * Subclasses are decorated with `@Processor(queue, { autorun: false })`: workers only start in processes whose
 * `APP_ROLE` includes `worker` (see `QueueWorkersService`).
 */
export abstract class QueueProcessor<Q extends string> extends WorkerHost {
  abstract readonly queue: Q;
  protected abstract readonly handlers: JobHandlers<Q>;
  /** Periodic jobs of this queue, registered by `QueueWorkersService` in worker processes. */
  readonly schedules: readonly JobSchedule<Q>[] = [];
  /** Each job runs in its own EntityManager fork (`@CreateRequestContext`), never the global one. */
  protected abstract readonly em: EntityManager;
  protected readonly logger = new Logger(this.constructor.name);

  handles(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.handlers, name);
  }

  /** The jobs this processor has handlers for. */
  jobNames(): string[] {
    return Object.keys(this.handlers);
  }

  @CreateRequestContext()
  async process(job: Job): Promise<unknown> {
    if (!this.handles(job.name)) {
      throw new Error(`Unhandled job ${job.name} on queue ${this.queue}`);
    }
    const handler = this.handlers[job.name as JobsOf<Q>] as (data: unknown, job: Job) => Promise<unknown>;
    return handler(job.data, job);
  }

  /** Worker-level errors (Redis trouble, a job removed while it ran): logged, never an unhandled 'error' event. */
  @OnWorkerEvent('error')
  protected onError(error: Error): void {
    this.logger.warn({ queue: this.queue, err: error.message }, 'queue worker error');
  }

  @OnWorkerEvent('failed')
  protected onFailed(job: Job | undefined, error: Error): void {
    const data = job?.data as { requestId?: string } | undefined;
    this.logger.warn(
      {
        queue: this.queue,
        job: job?.name,
        jobId: job?.id,
        attempt: job?.attemptsMade,
        requestId: data?.requestId,
        err: error.message,
      },
      'job failed',
    );
  }
}

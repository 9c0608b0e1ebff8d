import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { AppConfigService } from 'src/config/app-config.service';
import { JOB_QUEUE, JobName, QueueName } from './queue.constants';
import { QueueProcessor } from './queue-processor';

/**
 * Starts the BullMQ workers in processes whose role includes `worker`, after checking that every queue has a
 * processor and every job name a handler (a worker that cannot run a job it will receive refuses to boot).
 */
@Injectable()
export class QueueWorkersService implements OnApplicationBootstrap {
  private readonly logger = new Logger(QueueWorkersService.name);
  private processors: QueueProcessor<QueueName>[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly moduleRef: ModuleRef,
    private readonly config: AppConfigService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.processors = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is QueueProcessor<QueueName> => instance instanceof QueueProcessor);

    const problems = this.findMissingHandlers();
    if (problems.length > 0) {
      throw new Error(`Queue processors are incomplete:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    }
    if (!this.config.role.worker) {
      return;
    }
    const { concurrency } = this.config.worker;
    for (const processor of this.processors) {
      processor.worker.concurrency = concurrency;
      // run() resolves only when the worker closes; errors surface through the worker's 'error' event.
      void processor.worker
        .run()
        .catch((error: unknown) => this.logger.error({ err: error, queue: processor.queue }, 'worker stopped'));
    }
    for (const processor of this.processors) {
      for (const schedule of processor.schedules) {
        await this.queue(processor.queue).upsertJobScheduler(
          schedule.id,
          { every: schedule.every },
          { name: schedule.job, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
        );
      }
    }
    this.logger.log({ queues: this.processors.map((p) => p.queue), concurrency }, 'queue workers started');
  }

  findMissingHandlers(): string[] {
    const problems: string[] = [];
    for (const queue of Object.values(QueueName)) {
      const processor = this.processors.find((p) => p.queue === queue);
      if (!processor) {
        problems.push(`queue "${queue}" has no processor`);
        continue;
      }
      for (const [job, jobQueue] of Object.entries(JOB_QUEUE) as [JobName, QueueName][]) {
        if (jobQueue === queue && !processor.handles(job)) {
          problems.push(`job "${job}" has no handler in ${processor.constructor.name}`);
        }
      }
    }
    return problems;
  }

  private queue(name: QueueName): Queue {
    return this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
  }

  /** Job counts per queue and state, for metrics and readiness. */
  async counts(): Promise<Record<QueueName, Record<string, number>>> {
    const entries = await Promise.all(
      Object.values(QueueName).map(async (name) => {
        return [
          name,
          await this.queue(name).getJobCounts(
            'waiting',
            'active',
            'delayed',
            'failed',
            'completed',
            'paused',
            'prioritized',
          ),
        ] as const;
      }),
    );
    return Object.fromEntries(entries) as Record<QueueName, Record<string, number>>;
  }
}

import { getQueueToken } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { AppConfigService } from 'src/config/app-config.service';
import { QUEUE_DEFINITIONS, QueueDefinition } from './queue.types';
import { QueueProcessor } from './queue-processor';

/**
 * Starts the BullMQ workers in processes whose role includes `worker`, after checking that every queue has a
 * processor and every job name a handler (a worker that cannot run a job it will receive refuses to boot).
 */
@Injectable()
export class QueueWorkersService implements OnApplicationBootstrap {
  private readonly logger = new Logger(QueueWorkersService.name);
  private processors: QueueProcessor<string>[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly moduleRef: ModuleRef,
    private readonly config: AppConfigService,
    @Inject(QUEUE_DEFINITIONS) private readonly definitions: readonly QueueDefinition[],
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.processors = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is QueueProcessor<string> => instance instanceof QueueProcessor);

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
    for (const { name: queue, jobs } of this.definitions) {
      const processor = this.processors.find((p) => p.queue === queue);
      if (!processor) {
        problems.push(`queue "${queue}" has no processor`);
        continue;
      }
      for (const job of Object.keys(jobs)) {
        if (!processor.handles(job)) {
          problems.push(`job "${job}" has no handler in ${processor.constructor.name}`);
        }
      }
      for (const job of processor.jobNames()) {
        if (!Object.prototype.hasOwnProperty.call(jobs, job)) {
          problems.push(`job "${job}" of ${processor.constructor.name} is not declared by queue "${queue}"`);
        }
      }
    }
    for (const processor of this.processors) {
      if (!this.definitions.some((definition) => definition.name === processor.queue)) {
        problems.push(`${processor.constructor.name} serves queue "${processor.queue}", which no domain declares`);
      }
    }
    return problems;
  }

  private queue(name: string): Queue {
    return this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
  }

  /** Job counts per queue and state, for metrics and readiness. */
  async counts(): Promise<Record<string, Record<string, number>>> {
    const entries = await Promise.all(
      this.definitions.map(async ({ name }) => {
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
    return Object.fromEntries(entries);
  }
}

import { EntityManager } from '@mikro-orm/postgresql';
import { Processor } from '@nestjs/bullmq';
import { JobHandlers, JobSchedule, QueueProcessor } from 'src/queue/queue-processor';
import { CALLS_QUEUE, CallsJob } from './calls.jobs';
import { CallSchedulingService } from './call-scheduling.service';
import { CallsService } from './calls.service';

/** The `calls` queue: scheduled calls starting at their time, and the sweep re-queueing any whose job went missing. */
@Processor(CALLS_QUEUE, { autorun: false })
export class CallsProcessor extends QueueProcessor<typeof CALLS_QUEUE> {
  readonly queue = CALLS_QUEUE;

  protected readonly handlers: JobHandlers<typeof CALLS_QUEUE> = {
    [CallsJob.StartScheduledCall]: ({ callId }) => this.calls.startScheduled(callId),
    [CallsJob.SweepScheduledCalls]: () => this.scheduling.requeueStale(),
  };

  override readonly schedules: JobSchedule<typeof CALLS_QUEUE>[] = [
    { id: 'calls-scheduled-sweep', every: 60_000, job: CallsJob.SweepScheduledCalls },
  ];

  constructor(
    protected readonly em: EntityManager,
    private readonly calls: CallsService,
    private readonly scheduling: CallSchedulingService,
  ) {
    super();
  }
}

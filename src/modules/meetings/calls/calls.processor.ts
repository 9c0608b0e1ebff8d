import { EntityManager } from '@mikro-orm/postgresql';
import { Processor } from '@nestjs/bullmq';
import { JobHandlers, JobSchedule, QueueProcessor } from 'src/queue/queue-processor';
import { JobName, QueueName } from 'src/queue/queue.constants';
import { CallsService } from './calls.service';

/** The `calls` queue: scheduled calls starting at their time, and the sweep re-queueing any whose job went missing. */
@Processor(QueueName.Calls, { autorun: false })
export class CallsProcessor extends QueueProcessor<QueueName.Calls> {
  readonly queue = QueueName.Calls;

  protected readonly handlers: JobHandlers<QueueName.Calls> = {
    [JobName.StartScheduledCall]: ({ callId }) => this.calls.startScheduled(callId),
    [JobName.SweepScheduledCalls]: () => this.calls.requeueStale(),
  };

  override readonly schedules: JobSchedule<QueueName.Calls>[] = [
    { id: 'calls-scheduled-sweep', every: 60_000, job: JobName.SweepScheduledCalls },
  ];

  constructor(
    protected readonly em: EntityManager,
    private readonly calls: CallsService,
  ) {
    super();
  }
}

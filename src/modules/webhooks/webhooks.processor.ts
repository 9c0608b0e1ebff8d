import { EntityManager } from '@mikro-orm/postgresql';
import { Processor } from '@nestjs/bullmq';
import { JobHandlers, JobSchedule, QueueProcessor } from 'src/queue/queue-processor';
import { JobName, QueueName } from 'src/queue/queue.constants';
import { WebhookDispatcher } from './webhook-dispatcher.service';

@Processor(QueueName.Webhooks, { autorun: false })
export class WebhooksProcessor extends QueueProcessor<QueueName.Webhooks> {
  readonly queue = QueueName.Webhooks;

  protected readonly handlers: JobHandlers<QueueName.Webhooks> = {
    [JobName.DeliverWebhook]: (data) => this.dispatcher.deliver(data),
    [JobName.SweepWebhooks]: () => this.dispatcher.sweep(),
  };

  override readonly schedules: JobSchedule<QueueName.Webhooks>[] = [
    { id: 'webhooks-sweep', every: 60_000, job: JobName.SweepWebhooks },
  ];

  constructor(
    protected readonly em: EntityManager,
    private readonly dispatcher: WebhookDispatcher,
  ) {
    super();
  }
}

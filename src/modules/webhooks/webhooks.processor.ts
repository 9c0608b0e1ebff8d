import { EntityManager } from '@mikro-orm/postgresql';
import { Processor } from '@nestjs/bullmq';
import { JobHandlers, JobSchedule, QueueProcessor } from 'src/queue/queue-processor';
import { WEBHOOKS_QUEUE, WebhooksJob } from './webhooks.jobs';
import { WebhookDispatcher } from './webhook-dispatcher.service';

@Processor(WEBHOOKS_QUEUE, { autorun: false })
export class WebhooksProcessor extends QueueProcessor<typeof WEBHOOKS_QUEUE> {
  readonly queue = WEBHOOKS_QUEUE;

  protected readonly handlers: JobHandlers<typeof WEBHOOKS_QUEUE> = {
    [WebhooksJob.DeliverWebhook]: (data) => this.dispatcher.deliver(data),
    [WebhooksJob.SweepWebhooks]: () => this.dispatcher.sweep(),
  };

  override readonly schedules: JobSchedule<typeof WEBHOOKS_QUEUE>[] = [
    { id: 'webhooks-sweep', every: 60_000, job: WebhooksJob.SweepWebhooks },
  ];

  constructor(
    protected readonly em: EntityManager,
    private readonly dispatcher: WebhookDispatcher,
  ) {
    super();
  }
}

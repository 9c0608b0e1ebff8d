import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue, Processor } from '@nestjs/bullmq';
import { OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AppConfigService } from 'src/config/app-config.service';
import { JobHandlers, QueueProcessor } from 'src/queue/queue-processor';
import { JobName, QueueName } from 'src/queue/queue.constants';
import { WebhookDispatcher } from './webhook-dispatcher.service';

const SWEEP_EVERY_MS = 60_000;

@Processor(QueueName.Webhooks, { autorun: false })
export class WebhooksProcessor extends QueueProcessor<QueueName.Webhooks> implements OnApplicationBootstrap {
  readonly queue = QueueName.Webhooks;

  protected readonly handlers: JobHandlers<QueueName.Webhooks> = {
    [JobName.DeliverWebhook]: (data) => this.dispatcher.deliver(data),
    [JobName.SweepWebhooks]: () => this.dispatcher.sweep(),
  };

  constructor(
    protected readonly em: EntityManager,
    private readonly dispatcher: WebhookDispatcher,
    private readonly config: AppConfigService,
    @InjectQueue(QueueName.Webhooks) private readonly webhooksQueue: Queue,
  ) {
    super();
  }

  /** One sweep per minute across the cluster (a job scheduler is a single Redis entry, whatever the node count). */
  async onApplicationBootstrap(): Promise<void> {
    if (this.config.role.worker) {
      await this.webhooksQueue.upsertJobScheduler(
        'webhooks-sweep',
        { every: SWEEP_EVERY_MS },
        { name: JobName.SweepWebhooks, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
      );
    }
  }
}

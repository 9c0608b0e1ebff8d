import { EntityManager } from '@mikro-orm/postgresql';
import { Processor } from '@nestjs/bullmq';
import { JobHandlers, QueueProcessor } from 'src/queue/queue-processor';
import { JobName, QueueName } from 'src/queue/queue.constants';
import { MailerService } from './mailer.service';

@Processor(QueueName.System, { autorun: false })
export class MailerProcessor extends QueueProcessor<QueueName.System> {
  readonly queue = QueueName.System;

  protected readonly handlers: JobHandlers<QueueName.System> = {
    [JobName.SendSystemMail]: (data) => this.mailer.deliver(data),
  };

  constructor(
    protected readonly em: EntityManager,
    private readonly mailer: MailerService,
  ) {
    super();
  }
}

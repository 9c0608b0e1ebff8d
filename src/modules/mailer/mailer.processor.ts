import { EntityManager } from '@mikro-orm/postgresql';
import { Processor } from '@nestjs/bullmq';
import { JobHandlers, QueueProcessor } from 'src/queue/queue-processor';
import { SYSTEM_QUEUE, SystemJob } from './mailer.jobs';
import { MailerService } from './mailer.service';

@Processor(SYSTEM_QUEUE, { autorun: false })
export class MailerProcessor extends QueueProcessor<typeof SYSTEM_QUEUE> {
  readonly queue = SYSTEM_QUEUE;

  protected readonly handlers: JobHandlers<typeof SYSTEM_QUEUE> = {
    [SystemJob.SendSystemMail]: (data) => this.mailer.deliver(data),
  };

  constructor(
    protected readonly em: EntityManager,
    private readonly mailer: MailerService,
  ) {
    super();
  }
}

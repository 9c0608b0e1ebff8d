import { EntityManager } from '@mikro-orm/postgresql';
import { Processor } from '@nestjs/bullmq';
import { JobHandlers, QueueProcessor } from 'src/queue/queue-processor';
import { JobName, QueueName } from 'src/queue/queue.constants';
import { MailConnectionsService } from './mail-connections.service';
import { MailDeliveryService } from './mail-delivery.service';

@Processor(QueueName.Mail, { autorun: false })
export class MailProcessor extends QueueProcessor<QueueName.Mail> {
  readonly queue = QueueName.Mail;

  protected readonly handlers: JobHandlers<QueueName.Mail> = {
    [JobName.ConnectMailAccount]: ({ accountId }) => this.connections.reconcile(accountId),
    [JobName.SendMail]: ({ submissionId }, job) => this.delivery.deliver(submissionId, job),
  };

  constructor(
    protected readonly em: EntityManager,
    private readonly connections: MailConnectionsService,
    private readonly delivery: MailDeliveryService,
  ) {
    super();
  }
}

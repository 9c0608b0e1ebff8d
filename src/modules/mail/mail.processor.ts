import { EntityManager } from '@mikro-orm/postgresql';
import { Processor } from '@nestjs/bullmq';
import { JobHandlers, JobSchedule, QueueProcessor } from 'src/queue/queue-processor';
import { JobName, QueueName } from 'src/queue/queue.constants';
import { MailConnectionsService } from './mail-connections.service';
import { MailDeliveryService } from './mail-delivery.service';
import { MailSendService } from './mail-send.service';

@Processor(QueueName.Mail, { autorun: false })
export class MailProcessor extends QueueProcessor<QueueName.Mail> {
  readonly queue = QueueName.Mail;

  protected readonly handlers: JobHandlers<QueueName.Mail> = {
    [JobName.ConnectMailAccount]: ({ accountId }) => this.connections.reconcile(accountId),
    [JobName.SendMail]: ({ submissionId }, job) => this.delivery.deliver(submissionId, job),
    [JobName.SweepMailOutbox]: () => this.send.requeueStale(),
  };

  override readonly schedules: JobSchedule<QueueName.Mail>[] = [
    { id: 'mail-outbox-sweep', every: 60_000, job: JobName.SweepMailOutbox },
  ];

  constructor(
    protected readonly em: EntityManager,
    private readonly connections: MailConnectionsService,
    private readonly delivery: MailDeliveryService,
    private readonly send: MailSendService,
  ) {
    super();
  }
}

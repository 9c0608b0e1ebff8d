import { EntityManager } from '@mikro-orm/postgresql';
import { Processor } from '@nestjs/bullmq';
import { JobHandlers, JobSchedule, QueueProcessor } from 'src/queue/queue-processor';
import { MAIL_QUEUE, MailJob } from './mail.jobs';
import { MailConnectionsService } from './mail-connections.service';
import { MailDeliveryService } from './mail-delivery.service';
import { MailSendService } from './mail-send.service';

@Processor(MAIL_QUEUE, { autorun: false })
export class MailProcessor extends QueueProcessor<typeof MAIL_QUEUE> {
  readonly queue = MAIL_QUEUE;

  protected readonly handlers: JobHandlers<typeof MAIL_QUEUE> = {
    [MailJob.ConnectMailAccount]: ({ accountId }) => this.connections.reconcile(accountId),
    [MailJob.SendMail]: ({ submissionId }, job) => this.delivery.deliver(submissionId, job),
    [MailJob.SweepMailOutbox]: () => this.send.requeueStale(),
  };

  override readonly schedules: JobSchedule<typeof MAIL_QUEUE>[] = [
    { id: 'mail-outbox-sweep', every: 60_000, job: MailJob.SweepMailOutbox },
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

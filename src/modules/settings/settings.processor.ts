import { EntityManager } from '@mikro-orm/postgresql';
import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { JobHandlers, JobSchedule, QueueProcessor } from 'src/queue/queue-processor';
import { JobName, JobPayloads, QueueName } from 'src/queue/queue.constants';
import { AccountDeletionService } from './account-deletion.service';
import { DataExportService } from './data-export.service';

@Processor(QueueName.Account, { autorun: false })
export class SettingsProcessor extends QueueProcessor<QueueName.Account> {
  readonly queue = QueueName.Account;

  protected readonly handlers: JobHandlers<QueueName.Account> = {
    [JobName.BuildDataExport]: (data, job) => this.buildExport(data, job),
    [JobName.DeleteAccount]: (data) => this.deletion.execute(data),
    [JobName.AccountHousekeeping]: async () => ({
      exportsExpired: await this.exports.expire(),
      accountsDeleted: await this.deletion.executeOverdue(),
    }),
  };

  override readonly schedules: JobSchedule<QueueName.Account>[] = [
    { id: 'account-housekeeping', every: 3_600_000, job: JobName.AccountHousekeeping },
  ];

  constructor(
    protected readonly em: EntityManager,
    private readonly exports: DataExportService,
    private readonly deletion: AccountDeletionService,
  ) {
    super();
  }

  /** The last failed attempt marks the export failed, so the user is not left waiting on it. */
  private async buildExport(data: JobPayloads[JobName.BuildDataExport], job: Job): Promise<void> {
    try {
      await this.exports.build(data);
    } catch (error) {
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
        await this.exports.markFailed(data.exportId, (error as Error).message);
      }
      throw error;
    }
  }
}

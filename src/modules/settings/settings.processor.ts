import { EntityManager } from '@mikro-orm/postgresql';
import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { JobHandlers, JobSchedule, QueueProcessor } from 'src/queue/queue-processor';
import { JobPayloads } from 'src/queue/queue.types';
import { ACCOUNT_QUEUE, AccountJob } from './settings.jobs';
import { AccountDeletionService } from './account-deletion.service';
import { DataExportService } from './data-export.service';

@Processor(ACCOUNT_QUEUE, { autorun: false })
export class SettingsProcessor extends QueueProcessor<typeof ACCOUNT_QUEUE> {
  readonly queue = ACCOUNT_QUEUE;

  protected readonly handlers: JobHandlers<typeof ACCOUNT_QUEUE> = {
    [AccountJob.BuildDataExport]: (data, job) => this.buildExport(data, job),
    [AccountJob.DeleteAccount]: (data) => this.deletion.execute(data),
    [AccountJob.AccountHousekeeping]: async () => ({
      exportsExpired: await this.exports.expire(),
      accountsDeleted: await this.deletion.executeOverdue(),
    }),
  };

  override readonly schedules: JobSchedule<typeof ACCOUNT_QUEUE>[] = [
    { id: 'account-housekeeping', every: 3_600_000, job: AccountJob.AccountHousekeeping },
  ];

  constructor(
    protected readonly em: EntityManager,
    private readonly exports: DataExportService,
    private readonly deletion: AccountDeletionService,
  ) {
    super();
  }

  /** The last failed attempt marks the export failed, so the user is not left waiting on it. */
  private async buildExport(data: JobPayloads[AccountJob.BuildDataExport], job: Job): Promise<void> {
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

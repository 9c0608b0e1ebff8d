import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue, Processor } from '@nestjs/bullmq';
import { OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { AppConfigService } from 'src/config/app-config.service';
import { JobHandlers, QueueProcessor } from 'src/queue/queue-processor';
import { JobName, JobPayloads, QueueName } from 'src/queue/queue.constants';
import { AccountDeletionService } from './account-deletion.service';
import { DataExportService } from './data-export.service';

const HOUSEKEEPING_EVERY_MS = 3_600_000;

@Processor(QueueName.Account, { autorun: false })
export class SettingsProcessor extends QueueProcessor<QueueName.Account> implements OnApplicationBootstrap {
  readonly queue = QueueName.Account;

  protected readonly handlers: JobHandlers<QueueName.Account> = {
    [JobName.BuildDataExport]: (data, job) => this.buildExport(data, job),
    [JobName.DeleteAccount]: (data) => this.deletion.execute(data),
    [JobName.AccountHousekeeping]: async () => ({
      exportsExpired: await this.exports.expire(),
      accountsDeleted: await this.deletion.executeOverdue(),
    }),
  };

  constructor(
    protected readonly em: EntityManager,
    private readonly exports: DataExportService,
    private readonly deletion: AccountDeletionService,
    private readonly config: AppConfigService,
    @InjectQueue(QueueName.Account) private readonly accountQueue: Queue,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.role.worker) {
      await this.accountQueue.upsertJobScheduler(
        'account-housekeeping',
        { every: HOUSEKEEPING_EVERY_MS },
        { name: JobName.AccountHousekeeping, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
      );
    }
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

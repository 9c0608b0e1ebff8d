import { EntityManager } from '@mikro-orm/postgresql';
import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { JobHandlers, QueueProcessor } from 'src/queue/queue-processor';
import { JobName, JobPayloads, QueueName } from 'src/queue/queue.constants';
import { ChatImportErrorCode } from './chat-import.errors';
import { ChatImportService } from './chat-import.service';

/** The `chat` queue: `chat.import` runs one uploaded export into an imported conversation. */
@Processor(QueueName.Chat, { autorun: false })
export class ChatImportProcessor extends QueueProcessor<QueueName.Chat> {
  readonly queue = QueueName.Chat;

  protected readonly handlers: JobHandlers<QueueName.Chat> = {
    [JobName.ChatImport]: (data, job) => this.runImport(data, job),
  };

  constructor(
    protected readonly em: EntityManager,
    private readonly imports: ChatImportService,
  ) {
    super();
  }

  /** A malformed file fails the import inside `run`; other errors retry, and the last attempt fails the import. */
  private async runImport(data: JobPayloads[JobName.ChatImport], job: Job): Promise<void> {
    try {
      await this.imports.run(data.importId);
    } catch (error) {
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
        await this.imports.fail(data.importId, {
          code: ChatImportErrorCode.Failed,
          message: `the import could not be completed: ${(error as Error).message}`.slice(0, 500),
        });
      }
      throw error;
    }
  }
}

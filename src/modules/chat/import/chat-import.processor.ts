import { EntityManager } from '@mikro-orm/postgresql';
import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { JobHandlers, QueueProcessor } from 'src/queue/queue-processor';
import { JobPayloads } from 'src/queue/queue.types';
import { CHAT_QUEUE, ChatJob } from './chat-import.jobs';
import { ChatImportErrorCode } from './chat-import.errors';
import { ChatImportService } from './chat-import.service';

/** The `chat` queue: `chat.import` runs one uploaded export into an imported conversation. */
@Processor(CHAT_QUEUE, { autorun: false })
export class ChatImportProcessor extends QueueProcessor<typeof CHAT_QUEUE> {
  readonly queue = CHAT_QUEUE;

  protected readonly handlers: JobHandlers<typeof CHAT_QUEUE> = {
    [ChatJob.ChatImport]: (data, job) => this.runImport(data, job),
  };

  constructor(
    protected readonly em: EntityManager,
    private readonly imports: ChatImportService,
  ) {
    super();
  }

  /** A malformed file fails the import inside `run`; other errors retry, and the last attempt fails the import. */
  private async runImport(data: JobPayloads[ChatJob.ChatImport], job: Job): Promise<void> {
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

import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JobPayloads } from 'src/queue/queue.types';
import { SYSTEM_QUEUE, SystemJob } from './mailer.jobs';
import { MailTransport } from './mail-transport';
import { QueuedSystemMail, SystemMailInput } from './mailer.dto';
import { SystemMail, SystemMailStatus } from './system-mail.entity';

/**
 * System mail for every module: `send()` records the mail and queues it on the `system` queue; a worker
 * delivers it (`deliver()`), retrying with backoff. A mail that was sent is never sent again by a retry.
 */
@Injectable()
export class MailerService {
  private readonly logger = new Logger(MailerService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly transport: MailTransport,
    @InjectQueue(SYSTEM_QUEUE) private readonly queue: Queue<JobPayloads[SystemJob.SendSystemMail]>,
  ) {}

  async send(input: SystemMailInput): Promise<QueuedSystemMail> {
    const mail = await this.record(input);
    // Queue unless already delivered; a repeated call (same idempotency key) re-queues a mail whose first job
    // never reached Redis, while the stable jobId keeps a live job from being added twice.
    if (mail.status !== SystemMailStatus.Sent) {
      await this.queue.add(
        SystemJob.SendSystemMail,
        {
          mailId: mail.id,
          message: { to: input.to, subject: input.subject, text: input.text, html: input.html },
          requestId: input.requestId,
        },
        // The body may carry single-use tokens: drop the job (and its data) from Redis once delivered.
        { jobId: `system-mail-${mail.id}`, removeOnComplete: true },
      );
      this.logger.log({ mailId: mail.id, template: mail.template }, 'system mail queued');
    }
    return { id: mail.id, status: mail.status };
  }

  /** Worker side: idempotent — a mail already sent (a retried or duplicated job) is skipped. */
  async deliver({ mailId, message, requestId }: JobPayloads[SystemJob.SendSystemMail]): Promise<void> {
    const mail = await this.em.findOne(SystemMail, mailId);
    if (!mail) {
      this.logger.warn({ mailId, requestId }, 'system mail vanished before delivery');
      return;
    }
    if (mail.status === SystemMailStatus.Sent) {
      return;
    }
    mail.attempts += 1;
    try {
      const result = await this.transport.deliver(mail.id, message);
      mail.status = SystemMailStatus.Sent;
      mail.messageId = result.messageId;
      mail.sentAt = new Date();
      mail.lastError = undefined;
      this.logger.log(
        { mailId, requestId, via: this.transport.mode, destination: result.destination },
        'system mail sent',
      );
    } catch (error) {
      mail.status = SystemMailStatus.Failed;
      mail.lastError = (error as Error).message.slice(0, 2000);
      throw error;
    } finally {
      await this.em.flush();
    }
  }

  /** Runs in its own EntityManager fork: callable from requests, jobs and scripts alike, and commits at once. */
  private async record(input: SystemMailInput): Promise<SystemMail> {
    const fork = this.em.fork();
    if (input.idempotencyKey) {
      const existing = await fork.findOne(SystemMail, { idempotencyKey: input.idempotencyKey });
      if (existing) {
        return existing;
      }
    }
    const mail = fork.create(SystemMail, {
      to: input.to,
      subject: input.subject,
      template: input.template,
      idempotencyKey: input.idempotencyKey,
    });
    try {
      await fork.persistAndFlush(mail);
      return mail;
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException && input.idempotencyKey) {
        return this.em.fork().findOneOrFail(SystemMail, { idempotencyKey: input.idempotencyKey });
      }
      throw error;
    }
  }
}

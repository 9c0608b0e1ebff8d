import { DomainEventBus } from 'src/common/events/domain-events';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { RealtimeService } from 'src/realtime/realtime.service';
import type {} from './mail.webhooks';
import { MailAccountsService } from './mail-accounts.service';
import { ACCOUNT_CREDENTIALS, MailAccount } from './mail-account.entity';
import { MailComposeService } from './mail-compose.service';
import { describeFailure, smtpSpoke } from './mail-connection';
import { FolderRole } from './mail-folder.entity';
import { MailInteractiveService } from './mail-interactive.service';
import { MailSendService } from './mail-send.service';
import { MailSmtpPoolService } from './mail-smtp-pool.service';
import { MailSubmission, SentCopyState, SubmissionStatus } from './mail-submission.entity';
import { MailError } from './mail.errors';

const CLAIMABLE = [SubmissionStatus.Queued, SubmissionStatus.Scheduled, SubmissionStatus.Sending];

/** Providers that file messages sent through their SMTP into the Sent folder themselves: no APPEND (no duplicate). */
export function providerFilesSent(account: Pick<MailAccount, 'imapHost' | 'smtpHost'>): boolean {
  return [account.imapHost, account.smtpHost].some((host) => /(^|\.)(gmail|googlemail)\.com$/i.test(host));
}

type SmtpError = Error & { responseCode?: number; code?: string };

/**
 * The worker side of sending (job `mail.send`, jobId `mail-send-<submission>`). Each step records its outcome on the
 * submission row before the next one starts, so a retried or crashed job resumes without repeating a step:
 * compose once (the raw bytes are kept) → SMTP (acceptance recorded) → APPEND to Sent (once; a retry after an
 * unconfirmed APPEND looks the Message-ID up first) → remove the draft copy → `sent`.
 */
@Injectable()
export class MailDeliveryService {
  private readonly logger = new Logger(MailDeliveryService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly accounts: MailAccountsService,
    private readonly compose: MailComposeService,
    private readonly interactive: MailInteractiveService,
    private readonly send: MailSendService,
    private readonly smtp: MailSmtpPoolService,
    private readonly events: DomainEventBus,
    private readonly realtime: RealtimeService,
  ) {}

  async deliver(submissionId: string, job: Job): Promise<void> {
    // Claimed under a row lock: a cancel (conditional update) and this claim cannot both win.
    const claimed = await this.em.transactional(async (em) => {
      const row = await em.findOne(MailSubmission, submissionId, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!row || !CLAIMABLE.includes(row.status)) {
        return false;
      }
      row.status = SubmissionStatus.Sending;
      row.attempts += 1;
      return true;
    });
    if (!claimed) {
      return; // cancelled, already sent, or gone with its account
    }
    const submission = await this.em.findOneOrFail(MailSubmission, submissionId, { populate: ['raw'], refresh: true });
    const account = await this.em.findOneOrFail(MailAccount, submission.account.id, {
      populate: ACCOUNT_CREDENTIALS,
    });
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);

    if (!submission.smtpAcceptedAt) {
      try {
        if (!submission.raw) {
          submission.raw = await this.compose.compose(account, submission.content, submission.messageId, new Date());
          await this.em.flush();
        }
        const { smtp } = this.accounts.stored(account);
        const { content } = submission;
        const transport = await this.smtp.get(account.id, smtp);
        const info = await transport.sendMail({
          envelope: { from: account.email, to: [...content.to, ...content.cc, ...content.bcc].map((a) => a.address!) },
          raw: submission.raw,
        });
        submission.smtpAcceptedAt = new Date();
        submission.smtpResponse = String(info.response ?? '').slice(0, 1000);
        const rejected = (info.rejected ?? []).map((a) => String(a));
        submission.error =
          rejected.length > 0 ? `Refused recipients: ${rejected.join(', ')}`.slice(0, 1000) : undefined;
        await this.em.flush();
      } catch (error) {
        const err = error as SmtpError;
        // A host outside the MailHostPolicy stays refused until the settings or the configuration change.
        const permanent = (err.responseCode ?? 0) >= 500 || err.code === 'EENVELOPE' || error instanceof MailError;
        // Before the server greeted, a fixed sentence rather than the socket's words.
        const message =
          error instanceof MailError || smtpSpoke(err) ? err.message : describeFailure(err, false, 'SMTP').message;
        if (permanent || lastAttempt) {
          await this.fail(submission, account, message);
          throw permanent ? new UnrecoverableError(message) : err;
        }
        // Not accepted: back to queued (cancellable) until the retry.
        submission.status = SubmissionStatus.Queued;
        submission.error = message.slice(0, 1000);
        await this.em.flush();
        throw err;
      }
    }

    if (!submission.sentCopy || submission.sentCopy === SentCopyState.Appending) {
      await this.saveSentCopy(account, submission);
    }
    if (submission.draftUid) {
      await this.send
        .deleteFromServer(account, {
          path: submission.draftPath,
          uidValidity: submission.draftUidValidity,
          uid: submission.draftUid,
        })
        .catch((error: Error) => this.logger.warn({ submissionId, err: error.message }, 'draft copy not removed'));
      submission.draftUid = undefined;
    }
    submission.status = SubmissionStatus.Sent;
    submission.sentAt = submission.smtpAcceptedAt;
    await this.em.flush();
    this.logger.log({ submissionId, accountId: account.id, sentCopy: submission.sentCopy }, 'mail sent');
    this.realtime.toUser(account.user.id, 'mail.sent', {
      accountId: account.id,
      id: submission.id,
      messageId: submission.messageId,
    });
    await this.events.publish('mail.sent', {
      organizationId: account.organization.id,
      data: {
        accountId: account.id,
        userId: account.user.id,
        id: submission.id,
        messageId: submission.messageId,
        sentAt: submission.sentAt.toISOString(),
      },
    });
  }

  /**
   * The same raw bytes into the Sent folder with \Seen — once. The state is `appending` while the APPEND runs; a
   * retry that finds it so searches the folder for the Message-ID before appending. An APPEND failure does not undo
   * or repeat the send: it is recorded (`failed`) and the message stays sent.
   */
  private async saveSentCopy(account: MailAccount, submission: MailSubmission): Promise<void> {
    if (!submission.copyToSent || providerFilesSent(account)) {
      submission.sentCopy = SentCopyState.Skipped;
      return;
    }
    const unconfirmed = submission.sentCopy === SentCopyState.Appending;
    submission.sentCopy = SentCopyState.Appending;
    await this.em.flush();
    try {
      submission.sentCopy = await this.interactive.run(account, async (client) => {
        const path = await this.compose.specialFolder(client, account, FolderRole.Sent);
        if (!path) {
          return SentCopyState.NoFolder;
        }
        if (unconfirmed) {
          const lock = await client.getMailboxLock(path, { readOnly: true });
          try {
            const found = await client.search({ header: { 'message-id': `<${submission.messageId}>` } }, { uid: true });
            if (found && found.length > 0) {
              return SentCopyState.Appended;
            }
          } finally {
            lock.release();
          }
        }
        await client.append(path, submission.raw!, ['\\Seen']);
        return SentCopyState.Appended;
      });
    } catch (error) {
      submission.sentCopy = SentCopyState.Failed;
      submission.error = `Sent, but the copy to the Sent folder failed: ${(error as Error).message}`.slice(0, 1000);
      this.logger.warn({ submissionId: submission.id, err: (error as Error).message }, 'sent copy failed');
    }
  }

  private async fail(submission: MailSubmission, account: MailAccount, message: string): Promise<void> {
    submission.status = SubmissionStatus.Failed;
    submission.error = message.slice(0, 1000);
    await this.em.flush();
    this.logger.warn({ submissionId: submission.id, accountId: account.id, err: message }, 'mail send failed');
    this.realtime.toUser(account.user.id, 'mail.send_failed', {
      accountId: account.id,
      id: submission.id,
      error: submission.error,
    });
    await this.events.publish('mail.send_failed', {
      organizationId: account.organization.id,
      data: {
        accountId: account.id,
        userId: account.user.id,
        id: submission.id,
        error: submission.error,
      },
    });
  }
}

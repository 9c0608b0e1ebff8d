import { decodeKeysetCursor, encodeKeysetCursor } from 'src/common/http/keyset-cursor';
import { EntityManager, FilterQuery, QueryOrder, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { FastifyRequest } from 'fastify';
import type Redis from 'ioredis';
import { AuthUser } from 'src/common/auth/auth-user';
import { PlatformError, PlatformErrorCode } from 'src/common/errors/app-error';
import { createHash } from 'node:crypto';
import {
  discardStoredFiles,
  MultipartFileError,
  StoredFile,
  storeMultipartFiles,
} from 'src/common/http/multipart-files';
import { takeFixedWindow } from 'src/common/rate-limit/fixed-window';
import { AppConfigService } from 'src/config/app-config.service';
import { OrgContext } from 'src/modules/organizations/organization.decorators';
import { JobPayloads } from 'src/queue/queue.types';
import { MAIL_QUEUE, MailJob } from './mail.jobs';
import { REDIS } from 'src/redis/redis.module';
import { MailAccountsService } from './mail-accounts.service';
import { MailAccount } from './mail-account.entity';
import { MailComposeService } from './mail-compose.service';
import { FolderRole } from './mail-folder.entity';
import { MailInteractiveService } from './mail-interactive.service';
import {
  ComposeMailDto,
  MailSubmissionDto,
  MailSubmissionPageDto,
  MailUploadDto,
  OutboxQueryDto,
  SendDraftDto,
  SendMailDto,
} from './mail-send.dto';
import { MailSubmission, SubmissionContent, SubmissionStatus } from './mail-submission.entity';
import { MailUpload } from './mail-upload.entity';
import { invalidCursor, MailError, MailErrorCode } from './mail.errors';

/** How far ahead a send may be scheduled. */
const MAX_SCHEDULE_MS = 366 * 24 * 3600_000;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
/** How long a queued entry may sit without its job before the sweep queues it again. */
const STALE_MS = 2 * 60_000;

export const sendJobId = (submissionId: string): string => `mail-send-${submissionId}`;

export function toSubmissionDto(s: MailSubmission): MailSubmissionDto {
  return {
    id: s.id,
    accountId: s.account.id,
    status: s.status,
    messageId: s.messageId,
    subject: s.content.subject,
    to: s.content.to,
    cc: s.content.cc,
    bcc: s.content.bcc,
    inReplyTo: s.content.inReplyTo,
    references: s.content.references,
    referenceMode: s.referenceMode ?? null,
    attachments: s.content.attachments,
    sendAt: s.sendAt?.toISOString() ?? null,
    sentAt: s.sentAt?.toISOString() ?? null,
    sentCopy: s.sentCopy ?? null,
    attempts: s.attempts,
    error: s.error ?? null,
    createdAt: s.createdAt.toISOString(),
  };
}

function toUploadDto(u: MailUpload): MailUploadDto {
  return {
    id: u.id,
    filename: u.filename,
    contentType: u.contentType,
    size: u.size,
    sha256: u.sha256,
    createdAt: u.createdAt.toISOString(),
  };
}

/** JSON with sorted keys: the same body in another key order hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonical).join(',')}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const hasRecipients = (c: SubmissionContent): boolean => c.to.length + c.cc.length + c.bcc.length > 0;

/**
 * Outgoing mail on the API side: submissions (now or scheduled, with an idempotency key), the outbox, drafts in the
 * Drafts folder, and attachment uploads. Sending itself happens in the worker (`MailDeliveryService`).
 */
@Injectable()
export class MailSendService {
  private readonly logger = new Logger(MailSendService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly config: AppConfigService,
    private readonly accounts: MailAccountsService,
    private readonly compose: MailComposeService,
    private readonly interactive: MailInteractiveService,
    @Inject(REDIS) private readonly redis: Redis,
    @InjectQueue(MAIL_QUEUE) private readonly queue: Queue<JobPayloads[MailJob.SendMail]>,
  ) {}

  /**
   * Records the message and queues its job. With an `Idempotency-Key`, a repeated request (same account, same key)
   * answers the first submission (`replayed`) and never sends again; the same key with another body is refused.
   */
  async send(
    org: OrgContext,
    actor: AuthUser,
    accountId: string,
    dto: SendMailDto,
    idempotencyKey: string | undefined,
    requestId?: string,
  ): Promise<{ submission: MailSubmissionDto; replayed: boolean }> {
    const account = await this.accounts.owned(org, actor, accountId);
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new PlatformError(PlatformErrorCode.ValidationFailed, 'Invalid input: Idempotency-Key', [
        { field: 'Idempotency-Key', errors: ['Idempotency-Key must be 1-255 visible ASCII characters'] },
      ]);
    }
    const requestHash = idempotencyKey ? createHash('sha256').update(canonical(dto)).digest('hex') : undefined;
    if (idempotencyKey) {
      const earlier = await this.em.findOne(MailSubmission, { account: account.id, idempotencyKey });
      if (earlier) {
        return this.replay(earlier, requestHash!, requestId);
      }
    }
    const sendAt = this.sendAt(dto.sendAt, 'sendAt');
    const content = await this.compose.resolve(account, dto);
    if (!hasRecipients(content)) {
      throw new MailError(MailErrorCode.NoRecipients, 'Give at least one recipient in to, cc or bcc', { field: 'to' });
    }
    await this.takeRate(account.id);
    const submission = this.em.create(MailSubmission, {
      organization: org.id,
      account: account.id,
      user: actor.id,
      status: sendAt ? SubmissionStatus.Scheduled : SubmissionStatus.Queued,
      idempotencyKey,
      requestHash,
      content,
      referenceMode: dto.inReplyTo !== undefined ? dto.mode : undefined,
      messageId: this.compose.newMessageId(account),
      copyToSent: dto.copy ?? true,
      sendAt,
    });
    try {
      await this.em.flush();
    } catch (error) {
      if (idempotencyKey && error instanceof UniqueConstraintViolationException) {
        // A parallel request with the same key won the insert: answer what it recorded.
        this.em.clear();
        const winner = await this.em.findOneOrFail(MailSubmission, { account: account.id, idempotencyKey });
        return this.replay(winner, requestHash!, requestId);
      }
      throw error;
    }
    await this.enqueue(submission, requestId);
    this.logger.log({ submissionId: submission.id, accountId, scheduled: !!sendAt }, 'mail submitted');
    return { submission: toSubmissionDto(submission), replayed: false };
  }

  private async replay(
    earlier: MailSubmission,
    requestHash: string,
    requestId?: string,
  ): Promise<{ submission: MailSubmissionDto; replayed: boolean }> {
    if (earlier.requestHash !== requestHash) {
      throw new MailError(
        MailErrorCode.IdempotencyKeyReused,
        'This Idempotency-Key was used with a different request body',
        { field: 'Idempotency-Key', submissionId: earlier.id },
      );
    }
    // The first request may have died between its insert and its job: queue it again (the jobId makes it a no-op
    // when the job exists).
    if (earlier.status === SubmissionStatus.Queued || earlier.status === SubmissionStatus.Scheduled) {
      await this.enqueue(earlier, requestId);
    }
    return { submission: toSubmissionDto(earlier), replayed: true };
  }

  private async enqueue(submission: MailSubmission, requestId?: string): Promise<void> {
    const delay = submission.sendAt ? Math.max(0, submission.sendAt.getTime() - Date.now()) : 0;
    await this.queue.add(
      MailJob.SendMail,
      { submissionId: submission.id, requestId },
      { jobId: sendJobId(submission.id), delay },
    );
  }

  /**
   * Queued entries untouched for 2 minutes, and scheduled ones 2 minutes past their time, get their job again: a
   * process that died between recording a submission and queueing its job loses nothing. The jobId makes this a
   * no-op for every entry whose job exists.
   */
  async requeueStale(): Promise<number> {
    const cutoff = new Date(Date.now() - STALE_MS);
    const stale = await this.em.find(
      MailSubmission,
      {
        $or: [
          { status: SubmissionStatus.Queued, updatedAt: { $lt: cutoff } },
          { status: SubmissionStatus.Scheduled, sendAt: { $lt: cutoff } },
        ],
      },
      { limit: 500, orderBy: { createdAt: QueryOrder.ASC } },
    );
    for (const submission of stale) {
      await this.enqueue(submission);
    }
    return stale.length;
  }

  /** A future date schedules the send; an absent or past one sends now. */
  private sendAt(value: string | undefined, field: string): Date | undefined {
    if (value === undefined) {
      return undefined;
    }
    const at = new Date(value);
    if (Number.isNaN(at.getTime()) || at.getTime() - Date.now() > MAX_SCHEDULE_MS) {
      throw new MailError(MailErrorCode.InvalidSendAt, 'sendAt must be a date within a year', { field });
    }
    return at.getTime() > Date.now() ? at : undefined;
  }

  /** `MAIL_SEND_RATE_PER_MINUTE` submissions per account and minute (one Redis counter per minute window). */
  private async takeRate(accountId: string): Promise<void> {
    const limit = this.config.mailSend.ratePerMinute;
    const { allowed, retryAfterSeconds } = await takeFixedWindow(this.redis, `mail:send-rate:${accountId}`, limit);
    if (!allowed) {
      throw new MailError(MailErrorCode.SendRateLimited, `At most ${limit} messages per minute from this account`, {
        limit,
        retryAfterSeconds,
      }).withRetryAfter(retryAfterSeconds);
    }
  }

  async list(
    org: OrgContext,
    actor: AuthUser,
    accountId: string,
    query: OutboxQueryDto,
  ): Promise<MailSubmissionPageDto> {
    await this.accounts.owned(org, actor, accountId);
    const where: FilterQuery<MailSubmission>[] = [{ account: accountId }];
    if (query.status) {
      where.push({ status: query.status });
    }
    if (query.cursor) {
      const { at, id } = decodeKeysetCursor(query.cursor, invalidCursor);
      where.push({ $or: [{ createdAt: { $lt: at } }, { createdAt: at, id: { $lt: id } }] });
    }
    const rows = await this.em.find(
      MailSubmission,
      { $and: where },
      { orderBy: { createdAt: QueryOrder.DESC, id: QueryOrder.DESC }, limit: query.limit + 1 },
    );
    const page = rows.slice(0, query.limit);
    return {
      items: page.map(toSubmissionDto),
      nextCursor:
        rows.length > query.limit
          ? encodeKeysetCursor(page[page.length - 1].createdAt, page[page.length - 1].id)
          : null,
    };
  }

  async get(org: OrgContext, actor: AuthUser, accountId: string, id: string): Promise<MailSubmissionDto> {
    return toSubmissionDto(await this.submission(org, actor, accountId, id));
  }

  /** Cancels a queued or scheduled send and removes its delayed job; 409 once a worker has started on it. */
  async cancel(org: OrgContext, actor: AuthUser, accountId: string, id: string): Promise<MailSubmissionDto> {
    const submission = await this.submission(org, actor, accountId, id);
    // Conditional, so a worker claiming the row at the same moment and this cancel cannot both win.
    const cancelled = await this.em.nativeUpdate(
      MailSubmission,
      { id, status: { $in: [SubmissionStatus.Queued, SubmissionStatus.Scheduled] } },
      { status: SubmissionStatus.Cancelled },
    );
    if (cancelled === 0) {
      await this.em.refresh(submission);
      throw new MailError(
        MailErrorCode.NotCancellable,
        `This message is ${submission.status}: it cannot be cancelled`,
        {
          status: submission.status,
        },
      );
    }
    await this.queue.remove(sendJobId(id)).catch(() => 0);
    submission.status = SubmissionStatus.Cancelled;
    this.logger.log({ submissionId: id, accountId }, 'mail send cancelled');
    return toSubmissionDto(submission);
  }

  private async submission(org: OrgContext, actor: AuthUser, accountId: string, id: string): Promise<MailSubmission> {
    await this.accounts.owned(org, actor, accountId);
    const found = await this.em.findOne(MailSubmission, { id, account: accountId });
    if (!found) {
      throw new MailError(MailErrorCode.SubmissionNotFound, `Outgoing message ${id} not found`);
    }
    return found;
  }

  // --- Drafts: kept in the account's Drafts folder (APPEND with \Draft) and tracked by a row in status `draft`. ---

  async createDraft(
    org: OrgContext,
    actor: AuthUser,
    accountId: string,
    dto: ComposeMailDto,
  ): Promise<MailSubmissionDto> {
    const account = await this.accounts.owned(org, actor, accountId, true);
    const content = await this.compose.resolve(account, dto);
    const draft = this.em.create(MailSubmission, {
      organization: org.id,
      account: account.id,
      user: actor.id,
      status: SubmissionStatus.Draft,
      content,
      referenceMode: dto.inReplyTo !== undefined ? dto.mode : undefined,
      messageId: this.compose.newMessageId(account),
    });
    await this.saveDraftCopy(account, draft);
    await this.em.flush();
    return toSubmissionDto(draft);
  }

  /** Replaces the draft: the new version is appended, then the old one deleted from the server. */
  async updateDraft(
    org: OrgContext,
    actor: AuthUser,
    accountId: string,
    id: string,
    dto: ComposeMailDto,
  ): Promise<MailSubmissionDto> {
    const account = await this.accounts.owned(org, actor, accountId, true);
    const draft = await this.draft(account, id);
    const old = { path: draft.draftPath, uidValidity: draft.draftUidValidity, uid: draft.draftUid };
    draft.content = await this.compose.resolve(account, dto);
    draft.referenceMode = dto.inReplyTo !== undefined ? dto.mode : undefined;
    await this.saveDraftCopy(account, draft);
    await this.em.flush();
    await this.deleteFromServer(account, old).catch((error: Error) =>
      this.logger.warn({ accountId, draftId: id, err: error.message }, 'old draft version not deleted'),
    );
    return toSubmissionDto(draft);
  }

  async deleteDraft(org: OrgContext, actor: AuthUser, accountId: string, id: string): Promise<void> {
    const account = await this.accounts.owned(org, actor, accountId, true);
    const draft = await this.draft(account, id);
    await this.deleteFromServer(account, {
      path: draft.draftPath,
      uidValidity: draft.draftUidValidity,
      uid: draft.draftUid,
    });
    await this.em.nativeDelete(MailSubmission, { id: draft.id, status: SubmissionStatus.Draft });
  }

  /**
   * Submits a draft (now or at `sendAt`); it is removed from the Drafts folder once sent. Sending the same draft
   * again answers the submission it already became.
   */
  async sendDraft(
    org: OrgContext,
    actor: AuthUser,
    accountId: string,
    id: string,
    dto: SendDraftDto,
    requestId?: string,
  ): Promise<{ submission: MailSubmissionDto; replayed: boolean }> {
    const account = await this.accounts.owned(org, actor, accountId);
    const draft = await this.em.findOne(MailSubmission, { id, account: account.id });
    if (!draft) {
      throw new MailError(MailErrorCode.DraftNotFound, `Draft ${id} not found`);
    }
    if (draft.status !== SubmissionStatus.Draft) {
      return { submission: toSubmissionDto(draft), replayed: true };
    }
    if (!hasRecipients(draft.content)) {
      throw new MailError(MailErrorCode.NoRecipients, 'The draft has no recipient in to, cc or bcc', { field: 'to' });
    }
    const sendAt = this.sendAt(dto.sendAt, 'sendAt');
    await this.takeRate(account.id);
    const status = sendAt ? SubmissionStatus.Scheduled : SubmissionStatus.Queued;
    const moved = await this.em.nativeUpdate(
      MailSubmission,
      { id, status: SubmissionStatus.Draft },
      { status, sendAt: sendAt ?? null, copyToSent: dto.copy ?? true },
    );
    await this.em.refresh(draft);
    if (moved === 0) {
      return { submission: toSubmissionDto(draft), replayed: true };
    }
    await this.enqueue(draft, requestId);
    return { submission: toSubmissionDto(draft), replayed: false };
  }

  private async draft(account: MailAccount, id: string): Promise<MailSubmission> {
    const draft = await this.em.findOne(MailSubmission, { id, account: account.id, status: SubmissionStatus.Draft });
    if (!draft) {
      throw new MailError(MailErrorCode.DraftNotFound, `Draft ${id} not found`);
    }
    return draft;
  }

  private async saveDraftCopy(account: MailAccount, draft: MailSubmission): Promise<void> {
    const raw = await this.compose.compose(account, draft.content, draft.messageId, new Date());
    const saved = await this.interactive.run(account, async (client) => {
      const path = await this.compose.specialFolder(client, account, FolderRole.Drafts);
      if (!path) {
        throw new MailError(MailErrorCode.NoDraftsFolder, 'This account has no Drafts folder');
      }
      const result = await client.append(path, raw, ['\\Draft', '\\Seen']);
      return { path, result };
    });
    draft.draftPath = saved.path;
    draft.draftUidValidity = saved.result && saved.result.uidValidity ? String(saved.result.uidValidity) : undefined;
    draft.draftUid = saved.result && saved.result.uid ? String(saved.result.uid) : undefined;
  }

  /** Deletes one stored copy by UID, if the folder's UIDVALIDITY still matches (else it is not ours to guess). */
  async deleteFromServer(
    account: MailAccount,
    copy: { path?: string; uidValidity?: string; uid?: string },
  ): Promise<void> {
    if (!copy.path || !copy.uid) {
      return;
    }
    await this.interactive.run(account, async (client) => {
      const lock = await client.getMailboxLock(copy.path!);
      try {
        const mailbox = client.mailbox;
        if (mailbox && (!copy.uidValidity || String(mailbox.uidValidity) === copy.uidValidity)) {
          await client.messageDelete(copy.uid!, { uid: true });
        }
      } finally {
        lock.release();
      }
    });
  }

  // --- Uploads ---

  /** Streams each `file` part to storage (SHA-256 on the way), within MAIL_ATTACHMENT_MAX_BYTES / _MAX_FILES. */
  async upload(org: OrgContext, actor: AuthUser, accountId: string, request: FastifyRequest): Promise<MailUploadDto[]> {
    const account = await this.accounts.owned(org, actor, accountId);
    const limits = this.config.mailSend;
    let files: StoredFile[];
    try {
      files = await storeMultipartFiles(
        request,
        { maxBytes: limits.attachmentMaxBytes, maxFiles: limits.attachmentMaxFiles },
        (id) => this.compose.uploadPath(account.id, id),
      );
    } catch (error) {
      throw uploadError(error);
    }
    const uploads = files.map((f) =>
      this.em.create(MailUpload, {
        id: f.id,
        account: account.id,
        user: actor.id,
        filename: f.filename,
        contentType: f.contentType,
        size: f.size,
        sha256: f.sha256,
      }),
    );
    try {
      await this.em.flush();
    } catch (error) {
      this.em.clear();
      await discardStoredFiles(files);
      throw error;
    }
    return uploads.map(toUploadDto);
  }
}

function uploadError(error: unknown): unknown {
  if (!(error instanceof MultipartFileError)) {
    return error;
  }
  const tooLarge = error.problem === 'too_large' || error.problem === 'too_many_files';
  return new MailError(tooLarge ? MailErrorCode.AttachmentTooLarge : MailErrorCode.UploadInvalid, error.message, {
    ...error.details,
  });
}

import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AuthUser } from 'src/common/auth/auth-user';
import { PlatformError, PlatformErrorCode } from 'src/common/errors/app-error';
import { decodeKeysetCursor, encodeKeysetCursor } from 'src/common/http/keyset-cursor';
import {
  discardStoredFiles,
  MultipartFileError,
  receiveMultipart,
  type StoredFile,
} from 'src/common/http/multipart-files';
import { flattenValidationErrors } from 'src/common/http/validation';
import { AppConfigService } from 'src/config/app-config.service';
import { OrgContext } from 'src/modules/organizations/organization.decorators';
import { QuotaService } from 'src/modules/users/quota.service';
import { User } from 'src/modules/users/user.entity';
import { UserError, UserErrorCode } from 'src/modules/users/users.errors';
import { JobPayloads } from 'src/queue/queue.types';
import { CHAT_QUEUE, ChatJob } from './chat-import.jobs';
import { RealtimeService } from 'src/realtime/realtime.service';
import { rooms } from 'src/realtime/events';
import { ChatRealtimeService } from 'src/modules/chat/chat-realtime.service';
import { openImportSource, subjectOf, type SourceEntry } from './chat-import-source';
import { ChatImportDto, ChatImportPageDto, CreateChatImportDto, ListChatImportsQueryDto } from './chat-import.dto';
import {
  ChatImport,
  ChatImportFailure,
  ChatImportStatus,
  type ChatImportDateOrder,
  type ChatImportOptions,
} from './chat-import.entity';
import { ChatImportError, ChatImportErrorCode, type ChatImportLocation } from './chat-import.errors';
import { ChatImportRepository, type ImportedMessageRow } from './chat-import.repository';

/** Messages inserted (and reported) per transaction. */
export const IMPORT_BATCH_SIZE = 1000;
const FIELDS = new Set(['platform', 'title', 'timeZone', 'chat', 'dateOrder']);
export function toChatImportDto(row: ChatImport): ChatImportDto {
  return {
    id: row.id,
    status: row.status,
    platform: row.platform,
    title: row.title ?? null,
    filename: row.filename,
    size: Number(row.size),
    progress: { processed: row.processed, total: row.total ?? null },
    conversationId: row.status === ChatImportStatus.Completed ? (row.conversation?.id ?? null) : null,
    error: row.error ?? null,
    dateOrder: row.dateOrder ?? null,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

/**
 * The id of message `seq` of an import: the import id's first 20 hex digits, then `seq` in the last 12. Ids of one
 * import are therefore ordered like the export (messages sent in the same second keep their order under the
 * `(created_at, id)` sort), and the same on every run of the job.
 */
export function importedMessageId(importId: string, seq: number): string {
  const hex = importId.replace(/-/g, '').slice(0, 20) + seq.toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const isValidZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/**
 * Imports of WhatsApp and Telegram exports. The request stores the upload under STORAGE_DIR (shared by API nodes and
 * workers), validates small files (and every guest's file) whole, charges the guest quotas and queues `chat.import`;
 * the job streams the file through the parser into an imported (read-only) conversation, one transaction per batch,
 * and the importer becomes its member only when the last batch committed. A failed import leaves nothing behind.
 */
@Injectable()
export class ChatImportService {
  private readonly logger = new Logger(ChatImportService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly config: AppConfigService,
    private readonly quotas: QuotaService,
    private readonly realtime: RealtimeService,
    private readonly chatRealtime: ChatRealtimeService,
    @InjectQueue(CHAT_QUEUE) private readonly queue: Queue<JobPayloads[ChatJob.ChatImport]>,
    private readonly imports: ChatImportRepository,
  ) {}

  // ---- request side ----

  async create(org: OrgContext, actor: AuthUser, request: FastifyRequest, requestId?: string): Promise<ChatImportDto> {
    let upload: { files: StoredFile[]; fields: Record<string, string> };
    try {
      upload = await receiveMultipart(
        request,
        { maxBytes: this.config.chatImport.maxBytes, maxFiles: 1, fields: FIELDS },
        (fileId) => this.absolute(join('chat-imports', actor.id, fileId)),
      );
    } catch (error) {
      throw this.uploadError(error);
    }
    const [stored] = upload.files;
    let owned = Boolean(stored);
    try {
      const dto = await this.validateFields(upload.fields);
      if (!stored) {
        throw new ChatImportError(ChatImportErrorCode.UploadInvalid, 'No file: send the export as the "file" part', {
          field: 'file',
        });
      }
      const id = stored.id;
      const relative = join('chat-imports', actor.id, id);
      const file = stored.path;
      const user = await this.em.findOneOrFail(User, actor.id);
      const options: ChatImportOptions = {
        timeZone: dto.timeZone ?? user.timeZone,
        ...(dto.chat ? { chat: dto.chat } : {}),
        ...(dto.dateOrder ? { dateOrder: dto.dateOrder } : {}),
        locale: user.locale,
      };
      const limits = this.config.chatImport;
      const messagesLeft = await this.quotas.remaining(actor.id, 'messages');
      const importsLimited = (await this.quotas.remaining(actor.id, 'imports')) !== null;
      // A small file is parsed whole now (a malformed one is a 400 naming its line); so is every file of a user
      // with a messages quota, which must know the count before anything is imported.
      let total: number | null = null;
      let dateOrder: ChatImportDateOrder | null = null;
      if (stored.size <= limits.syncValidateBytes || messagesLeft !== null) {
        ({ total, dateOrder } = await this.count(dto, file, options, messagesLeft));
      }
      const row = await this.em.transactional(async (em) => {
        await this.quotas.consume(actor.id, 'imports', 1, em);
        if (messagesLeft !== null && total !== null) {
          await this.quotas.consume(actor.id, 'messages', total, em);
        }
        const created = em.create(ChatImport, {
          id,
          organization: org.id,
          user: actor.id,
          platform: dto.platform,
          title: dto.title ?? null,
          filename: stored.filename,
          size: String(stored.size),
          sha256: stored.sha256,
          path: relative,
          options,
          total,
          dateOrder,
          quotaMessages: messagesLeft !== null && total !== null ? total : 0,
          quotaImport: importsLimited,
        });
        await em.flush();
        return created;
      });
      owned = false; // the row owns the file now
      try {
        await this.queue.add(ChatJob.ChatImport, { importId: id, requestId }, { jobId: `chat-import-${id}` });
      } catch (error) {
        await this.fail(id, { code: ChatImportErrorCode.Failed, message: 'the import could not be queued' });
        throw error;
      }
      return toChatImportDto(row);
    } finally {
      if (owned) {
        await discardStoredFiles(upload.files);
      }
    }
  }

  async get(org: OrgContext, actor: AuthUser, id: string): Promise<ChatImportDto> {
    const row = await this.em.findOne(ChatImport, { id, organization: org.id, user: actor.id });
    if (!row) {
      throw new ChatImportError(ChatImportErrorCode.NotFound, `chat import ${id}`);
    }
    return toChatImportDto(row);
  }

  async list(org: OrgContext, actor: AuthUser, query: ListChatImportsQueryDto): Promise<ChatImportPageDto> {
    const where: Record<string, unknown> = { organization: org.id, user: actor.id };
    if (query.cursor) {
      const { at, id } = decodeKeysetCursor(
        query.cursor,
        () =>
          new ChatImportError(ChatImportErrorCode.InvalidOption, 'cursor is not one returned by this list', {
            field: 'cursor',
          }),
      );
      where.$or = [{ createdAt: { $lt: at } }, { createdAt: at, id: { $lt: id } }];
    }
    const rows = await this.em.find(ChatImport, where, {
      orderBy: { createdAt: 'desc', id: 'desc' },
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toChatImportDto),
      nextCursor: rows.length > query.limit ? encodeKeysetCursor(last.createdAt, last.id) : null,
    };
  }

  private async validateFields(fields: Record<string, string>): Promise<CreateChatImportDto> {
    const dto = plainToInstance(CreateChatImportDto, fields);
    const errors = await validate(dto, {
      whitelist: true,
      forbidNonWhitelisted: true,
      validationError: { target: false, value: false },
    });
    if (errors.length > 0) {
      const details = flattenValidationErrors(errors);
      throw new PlatformError(
        PlatformErrorCode.ValidationFailed,
        `Invalid input: ${details.map((d) => d.field).join(', ')}`,
        details,
      );
    }
    if (dto.timeZone !== undefined && !isValidZone(dto.timeZone)) {
      throw new PlatformError(PlatformErrorCode.ValidationFailed, 'Invalid input: timeZone', [
        { field: 'timeZone', errors: [`timeZone "${dto.timeZone}" is not an IANA time zone`] },
      ]);
    }
    return dto;
  }

  /**
   * Parses the whole file (strict), counts its messages and tells how its dates were read; stops as soon as more
   * than `limit` were seen.
   */
  private async count(
    dto: CreateChatImportDto,
    file: string,
    options: ChatImportOptions,
    limit: number | null,
  ): Promise<{ total: number; dateOrder: ChatImportDateOrder | null }> {
    let total = 0;
    let source;
    try {
      source = await openImportSource(dto.platform, file, options, this.config.chatImport.maxBytes);
      for await (const _entry of source.entries) {
        total += 1;
        if (limit !== null && total > limit) {
          throw new UserError(
            UserErrorCode.QuotaExceeded,
            `Quota "messages" exceeded: the file holds more than the ${limit} messages you have left; nothing was imported`,
            { quota: 'messages', remaining: limit, requested: `>${limit}` },
          );
        }
      }
    } catch (error) {
      if (error instanceof ChatImportError) {
        // Answered to the upload: name the field at fault (the file, unless the parser blamed an option).
        const at = (error.details ?? {}) as ChatImportLocation;
        throw new ChatImportError(error.code, error.message, { ...at, field: at.field ?? 'file' });
      }
      throw error;
    }
    return { total, dateOrder: source.dateOrder() };
  }

  private tooLarge(): ChatImportError {
    const limit = this.config.chatImport.maxBytes;
    return new ChatImportError(ChatImportErrorCode.TooLarge, `The file is larger than ${limit} bytes`, {
      field: 'file',
    });
  }

  private uploadError(error: unknown): unknown {
    if (!(error instanceof MultipartFileError)) {
      return error;
    }
    switch (error.problem) {
      case 'too_large':
        return this.tooLarge();
      case 'too_many_files':
        return new ChatImportError(ChatImportErrorCode.UploadInvalid, 'Send one file per import', { field: 'file' });
      default:
        return new ChatImportError(ChatImportErrorCode.UploadInvalid, error.message, { field: error.details.field });
    }
  }

  // ---- worker side ----

  /**
   * Runs an import (the `chat.import` job). Idempotent: a finished import is left alone, and a re-run after a crash
   * resumes after the last committed batch (messages are unique on (conversation, import_seq) and their ids are
   * derived from the import, so nothing is stored twice). A file that does not parse ends the import `failed`
   * (no retry); other errors are thrown for BullMQ to retry.
   */
  async run(importId: string): Promise<void> {
    const em = this.em;
    const row = await em.findOne(ChatImport, importId, { populate: ['user'] });
    if (!row || (row.status !== ChatImportStatus.Queued && row.status !== ChatImportStatus.Running) || !row.path) {
      return;
    }
    await em.nativeUpdate(
      ChatImport,
      { id: importId },
      { status: ChatImportStatus.Running, startedAt: row.startedAt ?? new Date() },
    );
    const userId = row.user.id;
    let conversationId: string;
    let processed: number;
    let subject: string | null = null;
    let dateOrder: ChatImportDateOrder | null;
    try {
      const source = await openImportSource(
        row.platform,
        this.absolute(row.path),
        row.options,
        this.config.chatImport.maxBytes,
      );
      const title = row.title ?? source.title ?? titleFromFilename(row.filename, row.platform);
      conversationId = await this.conversationFor(row, title);
      const resumeAfter = await this.lastSeq(conversationId);
      const members = await this.memberNames(row.organization.id);
      const telegramIds = new Map<number, number>();
      let batch: ImportedMessageRow[] = [];
      let seq = 0;
      for await (const entry of source.entries) {
        subject = subjectOf(entry) ?? subject;
        if (entry.id !== undefined) {
          telegramIds.set(entry.id, seq);
        }
        if (seq > resumeAfter) {
          const replySeq = entry.replyToId === undefined ? undefined : telegramIds.get(entry.replyToId);
          batch.push(this.messageRow(importId, conversationId, seq, entry, members, replySeq));
        }
        seq += 1;
        if (batch.length >= IMPORT_BATCH_SIZE) {
          await this.insertBatch(importId, batch, seq);
          batch = [];
          this.realtime.toUser(userId, 'chat.import.progress', { importId, processed: seq, total: row.total ?? null });
        }
      }
      if (batch.length > 0) {
        await this.insertBatch(importId, batch, seq);
        this.realtime.toUser(userId, 'chat.import.progress', { importId, processed: seq, total: row.total ?? null });
      }
      processed = seq;
      dateOrder = source.dateOrder();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && (await this.finishedElsewhere(importId))) {
        return; // a concurrent run completed it and removed the file
      }
      if (error instanceof ChatImportError) {
        await this.fail(importId, {
          code: error.code,
          message: error.message,
          ...(error.line !== undefined ? { line: error.line } : {}),
          ...(error.entry !== undefined ? { entry: error.entry } : {}),
          ...(error.path !== undefined ? { path: error.path } : {}),
        });
        return;
      }
      throw error;
    }
    await this.complete(row, conversationId, processed, row.title ? null : subject, dateOrder);
  }

  private async finishedElsewhere(importId: string): Promise<boolean> {
    const status = await this.imports.findStatus(importId);
    return !status || status === ChatImportStatus.Completed || status === ChatImportStatus.Failed;
  }

  /** Ends an import `failed`: its conversation (and messages) deleted, quotas given back, the file removed. */
  async fail(importId: string, failure: ChatImportFailure): Promise<void> {
    const ended = await this.em.transactional(async (em) => {
      const row = await this.imports.lockForFailure(em, importId);
      if (!row || row.status === ChatImportStatus.Completed || row.status === ChatImportStatus.Failed) {
        return null;
      }
      await this.imports.markFailed(em, importId, failure);
      if (row.conversation_id) {
        await this.imports.deleteConversation(em, row.conversation_id);
      }
      if (row.quota_import) {
        await this.quotas.release(row.user_id, 'imports', 1, em);
      }
      if (row.quota_messages > 0) {
        await this.quotas.release(row.user_id, 'messages', row.quota_messages, em);
      }
      return row;
    });
    if (!ended) {
      return;
    }
    if (ended.path) {
      await rm(this.absolute(ended.path), { force: true });
    }
    this.logger.warn({ importId, code: failure.code, line: failure.line, entry: failure.entry }, 'chat import failed');
    this.realtime.toUser(ended.user_id, 'chat.import.failed', { importId, error: failure });
  }

  /**
   * The import's conversation, created on the first run (no member yet: it stays invisible until complete). The
   * conditional update makes a concurrent second run lose instead of creating another one.
   */
  private async conversationFor(row: ChatImport, title: string): Promise<string> {
    if (row.conversation) {
      return row.conversation.id;
    }
    const conversationId = randomUUID();
    // Another run linked a conversation first: roll this one back and use theirs.
    const lost = new Error('another run created the conversation');
    const won = await this.em
      .transactional(async (em) => {
        await this.imports.insertConversation(em, {
          id: conversationId,
          organizationId: row.organization.id,
          title: title.slice(0, 200),
          createdById: row.user.id,
        });
        if (!(await this.imports.linkConversation(em, row.id, conversationId))) {
          throw lost;
        }
        return true;
      })
      .catch((error: unknown) => {
        if (error === lost) {
          return false;
        }
        throw error;
      });
    if (won) {
      return conversationId;
    }
    return this.imports.findConversationId(row.id);
  }

  private lastSeq(conversationId: string): Promise<number> {
    return this.imports.lastSeq(conversationId);
  }

  /** Lower-cased display name → member id; a name two members share maps to nobody. */
  private async memberNames(organizationId: string): Promise<Map<string, string | null>> {
    const rows = await this.imports.memberDisplayNames(organizationId);
    const names = new Map<string, string | null>();
    for (const r of rows) {
      names.set(r.name, names.has(r.name) ? null : r.id);
    }
    return names;
  }

  private messageRow(
    importId: string,
    conversationId: string,
    seq: number,
    entry: SourceEntry,
    members: Map<string, string | null>,
    replySeq: number | undefined,
  ): ImportedMessageRow {
    const authorId = entry.author === null ? null : (members.get(entry.author.trim().toLowerCase()) ?? null);
    const deleted = entry.kind === 'deleted';
    return {
      id: importedMessageId(importId, seq),
      conversationId,
      authorId,
      authorName: entry.author,
      body: deleted ? '' : entry.text,
      kind: entry.kind,
      media: entry.media ?? null,
      createdAt: entry.sentAt,
      updatedAt: new Date(),
      deletedAt: deleted ? entry.sentAt : null,
      editedAt: entry.editedAt ?? null,
      replyToId: replySeq === undefined ? null : importedMessageId(importId, replySeq),
      importSeq: seq,
    };
  }

  /** One multi-row INSERT and the import's progress, in one transaction. */
  private async insertBatch(importId: string, rows: ImportedMessageRow[], processed: number): Promise<void> {
    await this.em.transactional(async (em) => {
      await this.imports.insertMessages(em, rows);
      await this.imports.setProcessed(em, importId, processed);
    });
  }

  /** The last step, in one transaction: the conversation's time and title, the importer's membership, `completed`. */
  private async complete(
    row: ChatImport,
    conversationId: string,
    processed: number,
    subject: string | null,
    dateOrder: ChatImportDateOrder | null,
  ) {
    const userId = row.user.id;
    const done = await this.em.transactional(async (em) => {
      if (!(await this.imports.markCompleted(em, row.id, processed, dateOrder))) {
        return false;
      }
      await this.imports.finishConversation(em, conversationId, subject ? subject.slice(0, 200) : null);
      // The history is the importer's own: nothing of it counts as unread.
      await this.imports.addImporter(em, randomUUID(), conversationId, userId);
      return true;
    });
    if (!done) {
      return;
    }
    if (row.path) {
      await rm(this.absolute(row.path), { force: true });
    }
    this.logger.log({ importId: row.id, conversationId, processed }, 'chat import completed');
    this.chatRealtime.join([userId], conversationId);
    this.chatRealtime.toRooms([rooms.user(userId)], 'conversation.updated', { conversationId, reason: 'created' });
    this.realtime.toUser(userId, 'chat.import.completed', { importId: row.id, conversationId, processed });
  }

  private absolute(relative: string): string {
    return join(this.config.storage.dir, relative);
  }
}

/** `WhatsApp Chat with Trip 2024.txt` → `Trip 2024`; otherwise the file name without its extension. */
export function titleFromFilename(filename: string, platform: string): string {
  const base = filename.replace(/\.[A-Za-z0-9]{1,5}$/, '').trim();
  const whatsapp = /^WhatsApp Chat (?:with|mit|con|avec) (.+)$/i.exec(base);
  const title = whatsapp ? whatsapp[1] : base;
  return title && title !== 'export' ? title : `Imported ${platform} chat`;
}

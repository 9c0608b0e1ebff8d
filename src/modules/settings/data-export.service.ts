import type { ExportSection } from 'src/common/domain/personal-data';
import { DomainEventBus } from 'src/common/events/domain-events';
import './settings.events';
import { EntityManager, QueryOrder } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { AuthUser } from 'src/common/auth/auth-user';
import { ClientInfo } from 'src/common/auth/auth.decorators';
import { AppConfigService } from 'src/config/app-config.service';
import { MailerService } from 'src/modules/mailer/mailer.service';
import { AuditEventType } from 'src/modules/users/audit-event.entity';
import { AuditService } from 'src/modules/users/audit.service';
import { User } from 'src/modules/users/user.entity';
import { toUserDto } from 'src/modules/users/users.service';
import { JobPayloads } from 'src/queue/queue.types';
import { ACCOUNT_QUEUE, AccountJob } from './settings.jobs';
import { DataExport, DataExportStatus } from './data-export.entity';
import { resolvePreferences } from './notification-preferences';
import { DataExportDto } from './settings.dto';
import { SettingsError, SettingsErrorCode } from './settings.errors';

export const EXPORT_FORMAT = 'switchboard-export/1';

function toExportDto(row: DataExport): DataExportDto {
  return {
    id: row.id,
    status: row.status,
    sizeBytes: row.sizeBytes === undefined ? null : Number(row.sizeBytes),
    sha256: row.sha256 ?? null,
    downloadUrl: row.status === DataExportStatus.Ready ? `/api/v1/settings/export-data/${row.id}/download` : null,
    readyAt: row.readyAt?.toISOString() ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    error: row.error ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/**
 * "Download my data": a job writes a gzipped JSON archive of everything Switchboard holds about the user to
 * STORAGE_DIR, section by section and page by page (never the whole history in memory), mails the user when it
 * is ready, and serves it as a stream until it expires.
 */
@Injectable()
export class DataExportService {
  private readonly logger = new Logger(DataExportService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly config: AppConfigService,
    private readonly mailer: MailerService,
    private readonly audit: AuditService,
    private readonly events: DomainEventBus,
    @InjectQueue(ACCOUNT_QUEUE) private readonly queue: Queue<JobPayloads[AccountJob.BuildDataExport]>,
  ) {}

  /** One export at a time per user: a second request while one is pending is 409. */
  async request(actor: AuthUser, client: ClientInfo): Promise<DataExportDto> {
    const pending = await this.em.count(DataExport, { user: actor.id, status: DataExportStatus.Pending });
    if (pending > 0) {
      throw new SettingsError(SettingsErrorCode.ExportInProgress, 'An export is already being prepared');
    }
    const row = this.em.create(DataExport, { user: actor.id });
    await this.em.flush();
    await this.queue.add(AccountJob.BuildDataExport, { exportId: row.id }, { jobId: `data-export-${row.id}` });
    await this.audit.record(AuditEventType.DataExportRequested, { actorId: actor.id, subjectId: actor.id, ...client });
    return toExportDto(row);
  }

  async list(actor: AuthUser): Promise<DataExportDto[]> {
    const rows = await this.em.find(
      DataExport,
      { user: actor.id },
      { orderBy: { createdAt: QueryOrder.DESC }, limit: 20 },
    );
    return rows.map(toExportDto);
  }

  async get(actor: AuthUser, id: string): Promise<DataExportDto> {
    return toExportDto(await this.find(actor, id));
  }

  async open(actor: AuthUser, id: string): Promise<{ stream: ReadStream; size: number; filename: string }> {
    const row = await this.find(actor, id);
    if (row.status === DataExportStatus.Expired || (row.expiresAt && row.expiresAt < new Date())) {
      throw new SettingsError(SettingsErrorCode.ExportExpired, 'This export has expired; request a new one');
    }
    if (row.status !== DataExportStatus.Ready || !row.path) {
      throw new SettingsError(SettingsErrorCode.ExportNotReady, `This export is ${row.status}`, {
        status: row.status,
      });
    }
    const file = this.absolute(row.path);
    const { size } = await stat(file);
    const day = row.readyAt!.toISOString().slice(0, 10);
    return { stream: createReadStream(file), size, filename: `switchboard-export-${day}.json.gz` };
  }

  /** Worker side: builds the archive; idempotent (a ready export is left alone, a half-written file replaced). */
  async build({ exportId }: JobPayloads[AccountJob.BuildDataExport]): Promise<void> {
    const row = await this.em.findOne(DataExport, exportId, { populate: ['user'] });
    if (!row || row.status !== DataExportStatus.Pending) {
      return;
    }
    const relative = join('exports', row.user.id, `${row.id}.json.gz`);
    const target = this.absolute(relative);
    const partial = `${target}.partial`;
    await mkdir(dirname(target), { recursive: true });
    const hash = createHash('sha256');
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(Readable.from(this.archive(row.user)), createGzip(), tap, createWriteStream(partial));
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    const now = new Date();
    row.status = DataExportStatus.Ready;
    row.path = relative;
    row.sizeBytes = String((await stat(target)).size);
    row.sha256 = hash.digest('hex');
    row.readyAt = now;
    row.expiresAt = new Date(now.getTime() + this.config.storage.dataExportTtlMs);
    await this.em.flush();
    this.logger.log({ exportId, userId: row.user.id, bytes: row.sizeBytes }, 'data export ready');
    if (row.user.email) {
      await this.mailer.send({
        to: row.user.email,
        subject: 'Your Switchboard data export is ready',
        text: `Your data export is ready. Download it while signed in from ${this.config.http.publicUrl}/api/v1/settings/export-data/${row.id}/download before ${row.expiresAt.toISOString()}.`,
        template: 'settings.data-export-ready',
        idempotencyKey: `data-export-ready-${row.id}`,
      });
    }
  }

  /** Marks a job that failed for good, so the user sees it and may ask again. */
  async markFailed(exportId: string, message: string): Promise<void> {
    await this.em.nativeUpdate(
      DataExport,
      { id: exportId, status: DataExportStatus.Pending },
      { status: DataExportStatus.Failed, error: message.slice(0, 500) },
    );
  }

  /** Deletes the files of expired exports. */
  async expire(): Promise<number> {
    const due = await this.em.find(
      DataExport,
      { status: DataExportStatus.Ready, expiresAt: { $lt: new Date() } },
      { limit: 500 },
    );
    for (const row of due) {
      if (row.path) {
        await rm(this.absolute(row.path), { force: true });
      }
      row.status = DataExportStatus.Expired;
      row.path = undefined;
    }
    await this.em.flush();
    return due.length;
  }

  /** Removes every export file of a user (account deletion). */
  async removeFiles(userId: string): Promise<void> {
    await rm(this.absolute(join('exports', userId)), { recursive: true, force: true });
  }

  private async *archive(user: User): AsyncIterable<string> {
    const header = {
      format: EXPORT_FORMAT,
      exportedAt: new Date().toISOString(),
      profile: { ...toUserDto(user), timeZone: user.timeZone, locale: user.locale },
      notificationPreferences: resolvePreferences(user.notificationPreferences),
    };
    yield JSON.stringify(header).slice(0, -1);
    yield `,"sections":{`;
    const em = this.em.fork();
    // Every domain that keeps data of users adds its own sections.
    const sections: ExportSection[] = [];
    await this.events.publish('account.export', {
      userId: user.id,
      email: user.email ?? null,
      add: (section) => sections.push(section),
    });
    for (const [index, section] of sections.entries()) {
      yield `${index > 0 ? ',' : ''}${JSON.stringify(section.name)}:[`;
      let first = true;
      for await (const row of section.rows(em, user.id)) {
        yield `${first ? '' : ','}${JSON.stringify(row)}`;
        first = false;
      }
      em.clear();
      yield ']';
    }
    yield '}}';
  }

  private async find(actor: AuthUser, id: string): Promise<DataExport> {
    const row = await this.em.findOne(DataExport, { id, user: actor.id });
    if (!row) {
      throw new SettingsError(SettingsErrorCode.ExportNotFound, `Export ${id} not found`);
    }
    return row;
  }

  private absolute(relative: string): string {
    return resolve(this.config.storage.dir, relative);
  }
}

import { EntityManager, LockMode, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { AuthUser } from 'src/common/auth/auth-user';
import { decodeKeysetCursor, encodeKeysetCursor } from 'src/common/http/keyset-cursor';
import { takeFixedWindow } from 'src/common/rate-limit/fixed-window';
import { AppConfigService } from 'src/config/app-config.service';
import { ChatMessageLookupService } from 'src/modules/chat/chat-message-lookup.service';
import { OrganizationsService } from 'src/modules/organizations/organizations.service';
import { User } from 'src/modules/users/user.entity';
import { RealtimeService } from 'src/realtime/realtime.service';
import { REDIS } from 'src/redis/redis.module';
import { ReportEvent, ReportEventKind } from './report-event.entity';
import { ACTIVE_STATUSES, MessageSnapshot, Report, ReportStatus, ReportType } from './report.entity';
import { ReportRepository } from './report.repository';
import {
  AddReportCommentDto,
  AdminListReportsQueryDto,
  AdminReportCountsQueryDto,
  AdminReportDetailDto,
  AdminReportDto,
  AdminReportPageDto,
  AdminUpdateReportDto,
  CreateReportDto,
  ListReportsQueryDto,
  ReportCountsDto,
  ReportDetailDto,
  ReportDto,
  ReportEventDto,
  ReportPageDto,
  ReportUserRefDto,
  UpdateReportDto,
} from './reports.dto';
import { invalidReportCursor, ReportError, ReportErrorCode, reportNotFound } from './reports.errors';

/** Status changes an admin may make. Closing (resolved, dismissed) needs a resolution; closed reports stay closed. */
export const ADMIN_TRANSITIONS: Readonly<Record<ReportStatus, readonly ReportStatus[]>> = {
  [ReportStatus.Open]: [ReportStatus.InReview, ReportStatus.Dismissed],
  [ReportStatus.InReview]: [ReportStatus.Resolved, ReportStatus.Dismissed, ReportStatus.Open],
  [ReportStatus.Resolved]: [],
  [ReportStatus.Dismissed]: [],
  [ReportStatus.Withdrawn]: [],
};

const CLOSING: readonly ReportStatus[] = [ReportStatus.Resolved, ReportStatus.Dismissed, ReportStatus.Withdrawn];

/** Which optional fields of a create/update body belong to which report type. */
const FIELDS_BY_TYPE: Record<ReportType, readonly string[]> = {
  [ReportType.Message]: ['messageId', 'reason'],
  [ReportType.User]: ['userId', 'reason'],
  [ReportType.Bug]: ['title'],
};
const TYPED_FIELDS = ['messageId', 'userId', 'reason', 'title'] as const;

interface ResolvedTarget {
  organizationId: string | null;
  targetMessageId: string | null;
  targetUserId: string | null;
  snapshot: MessageSnapshot | null;
  /** What identifies the target for the one-active-report-per-reporter rule; null for bugs. */
  key: string | null;
}

/**
 * User reports of chat messages, users and bugs, and the admin workflow over them (open → in_review → resolved |
 * dismissed). The reporter sees status changes and the comments meant for them, and gets `report.updated` on the
 * `/notifications` namespace when an admin changes either (emitted after the transaction commits).
 */
@Injectable()
export class ReportsService {
  private readonly logger = new Logger(ReportsService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly reports: ReportRepository,
    private readonly realtime: RealtimeService,
    private readonly config: AppConfigService,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly chatMessages: ChatMessageLookupService,
    private readonly organizations: OrganizationsService,
  ) {}

  // ---- reporter ----

  async create(actor: AuthUser, dto: CreateReportDto): Promise<ReportDto> {
    rejectForeignFields(dto.type, dto);
    const target = await this.resolveTarget(actor, dto);
    const activeKey = target.key ? `${actor.id}|${dto.type}|${target.key}` : null;
    if (activeKey) {
      await this.rejectDuplicate(activeKey);
    }
    await this.takeRate(actor.id);

    const report = this.em.create(Report, {
      reporter: actor.id,
      type: dto.type,
      reason: dto.reason ?? null,
      title: dto.title ?? null,
      description: dto.description ?? null,
      organization: target.organizationId,
      targetMessageId: target.targetMessageId,
      targetUser: target.targetUserId,
      messageSnapshot: target.snapshot,
      activeKey,
    });
    this.em.create(ReportEvent, {
      report,
      actor: actor.id,
      kind: ReportEventKind.Created,
      toStatus: ReportStatus.Open,
      visibleToReporter: true,
    });
    try {
      await this.em.flush();
    } catch (error) {
      // Two reports of the same target raced past the check above: the unique activeKey let one through.
      if (error instanceof UniqueConstraintViolationException && activeKey) {
        this.em.clear();
        await this.rejectDuplicate(activeKey);
      }
      throw error;
    }
    this.logger.log({ reportId: report.id, type: report.type }, 'report filed');
    return toReportDto(report);
  }

  async listOwn(actor: AuthUser, query: ListReportsQueryDto): Promise<ReportPageDto> {
    const after = query.cursor ? decodeKeysetCursor(query.cursor, invalidReportCursor) : undefined;
    const rows = await this.reports.listByReporter(actor.id, { status: query.status, after, limit: query.limit });
    return { items: rows.slice(0, query.limit).map(toReportDto), nextCursor: nextCursor(rows, query.limit) };
  }

  async getOwn(actor: AuthUser, id: string): Promise<ReportDetailDto> {
    const report = await this.reports.findOwn(actor.id, id);
    if (!report) {
      throw reportNotFound(id);
    }
    return this.reporterDetail(report);
  }

  async updateOwn(actor: AuthUser, id: string, dto: UpdateReportDto): Promise<ReportDetailDto> {
    const report = await this.em.transactional(async (em) => {
      const found = await em.findOne(Report, { id, reporter: actor.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!found) {
        throw reportNotFound(id);
      }
      if (found.status !== ReportStatus.Open) {
        throw new ReportError(
          ReportErrorCode.NotEditable,
          `Only open reports can be edited; this one is ${found.status}`,
          { status: found.status },
        );
      }
      rejectForeignFields(found.type, dto);
      const changed: string[] = [];
      if (dto.reason !== undefined && dto.reason !== found.reason) {
        found.reason = dto.reason;
        changed.push('reason');
      }
      if (dto.title !== undefined && dto.title !== found.title) {
        found.title = dto.title;
        changed.push('title');
      }
      if (dto.description !== undefined && dto.description !== found.description) {
        found.description = dto.description;
        changed.push('description');
      }
      if (changed.length > 0) {
        em.create(ReportEvent, {
          report: found,
          actor: actor.id,
          kind: ReportEventKind.Edited,
          body: `changed ${changed.join(', ')}`,
          visibleToReporter: true,
        });
      }
      return found;
    });
    return this.reporterDetail(report);
  }

  /** The reporter takes back a report that is still open or in review. */
  async withdraw(actor: AuthUser, id: string): Promise<ReportDetailDto> {
    const report = await this.em.transactional(async (em) => {
      const found = await em.findOne(Report, { id, reporter: actor.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!found) {
        throw reportNotFound(id);
      }
      if (!ACTIVE_STATUSES.includes(found.status)) {
        throw invalidTransition(found.status, ReportStatus.Withdrawn, []);
      }
      changeStatus(em, found, ReportStatus.Withdrawn, actor.id, null);
      return found;
    });
    return this.reporterDetail(report);
  }

  // ---- admin ----

  async adminList(query: AdminListReportsQueryDto): Promise<AdminReportPageDto> {
    const after = query.cursor ? decodeKeysetCursor(query.cursor, invalidReportCursor) : undefined;
    const rows = await this.reports.listForAdmin(
      {
        status: query.status,
        type: query.type,
        organizationId: query.organizationId,
        reporterId: query.reporterId,
        targetUserId: query.targetUserId,
        createdFrom: query.createdFrom,
        createdTo: query.createdTo,
      },
      { after, limit: query.limit },
    );
    return { items: rows.slice(0, query.limit).map(toAdminReportDto), nextCursor: nextCursor(rows, query.limit) };
  }

  async adminCounts(query: AdminReportCountsQueryDto): Promise<ReportCountsDto> {
    return this.reports.countByStatus({ type: query.type, organizationId: query.organizationId });
  }

  async adminGet(id: string): Promise<AdminReportDetailDto> {
    const report = await this.reports.findOne({ id }, { populate: ['reporter', 'targetUser'] });
    if (!report) {
      throw reportNotFound(id);
    }
    return this.adminDetail(report);
  }

  async adminComment(admin: AuthUser, id: string, dto: AddReportCommentDto): Promise<ReportEventDto> {
    const report = await this.reports.findOne({ id });
    if (!report) {
      throw reportNotFound(id);
    }
    const event = this.em.create(ReportEvent, {
      report,
      actor: admin.id,
      kind: ReportEventKind.Comment,
      body: dto.body,
      visibleToReporter: dto.visibleToReporter,
    });
    await this.em.flush();
    if (event.visibleToReporter) {
      this.notifyReporter(report, 'comment');
    }
    return toEventDto(event, report, false);
  }

  async adminUpdate(admin: AuthUser, id: string, dto: AdminUpdateReportDto): Promise<AdminReportDetailDto> {
    const report = await this.em.transactional(async (em) => {
      const found = await em.findOne(Report, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!found) {
        throw reportNotFound(id);
      }
      if (!ADMIN_TRANSITIONS[found.status].includes(dto.status)) {
        throw invalidTransition(found.status, dto.status);
      }
      if (CLOSING.includes(dto.status) && !dto.resolution) {
        throw new ReportError(ReportErrorCode.ResolutionRequired, `A resolution is required to set ${dto.status}`, {
          field: 'resolution',
        });
      }
      changeStatus(em, found, dto.status, admin.id, dto.resolution ?? null);
      return found;
    });
    this.logger.log({ reportId: id, status: report.status }, 'report status changed');
    this.notifyReporter(report, 'status');
    await this.em.populate(report, ['reporter', 'targetUser']);
    return this.adminDetail(report);
  }

  // ---- helpers ----

  private async reporterDetail(report: Report): Promise<ReportDetailDto> {
    const events = await this.reports.findEvents(report.id, { reporterView: true });
    return { ...toReportDto(report), events: events.map((e) => toEventDto(e, report, true)) };
  }

  private async adminDetail(report: Report): Promise<AdminReportDetailDto> {
    const events = await this.reports.findEvents(report.id, { reporterView: false });
    return { ...toAdminReportDto(report), events: events.map((e) => toEventDto(e, report, false)) };
  }

  private notifyReporter(report: Report, change: 'status' | 'comment'): void {
    this.realtime.toUser(report.reporter.id, 'report.updated', { reportId: report.id, status: report.status, change });
  }

  private async rejectDuplicate(activeKey: string): Promise<void> {
    const existing = await this.reports.findActiveByKey(activeKey);
    if (existing) {
      throw new ReportError(
        ReportErrorCode.Duplicate,
        `You already reported this and the report is ${existing.status}`,
        { reportId: existing.id, status: existing.status },
      );
    }
  }

  /** `REPORTS_PER_HOUR` new reports per user and clock hour (one Redis counter per window). */
  private async takeRate(userId: string): Promise<void> {
    const limit = this.config.reports.perHour;
    const { allowed, retryAfterSeconds } = await takeFixedWindow(
      this.redis,
      `reports:create-rate:${userId}`,
      limit,
      3600,
    );
    if (!allowed) {
      throw new ReportError(ReportErrorCode.RateLimited, `At most ${limit} reports per hour`, {
        limit,
        retryAfterSeconds,
      }).withRetryAfter(retryAfterSeconds);
    }
  }

  private async resolveTarget(actor: AuthUser, dto: CreateReportDto): Promise<ResolvedTarget> {
    switch (dto.type) {
      case ReportType.Message:
        return this.resolveMessage(actor, dto.messageId!, dto.organizationId);
      case ReportType.User:
        return this.resolveUser(actor, dto.userId!, dto.organizationId);
      case ReportType.Bug: {
        if (dto.organizationId && !(await this.organizations.roleOf(dto.organizationId, actor.id))) {
          throw targetNotFound('organizationId', `Organization ${dto.organizationId} not found`);
        }
        return {
          organizationId: dto.organizationId ?? null,
          targetMessageId: null,
          targetUserId: null,
          snapshot: null,
          key: null,
        };
      }
    }
  }

  /** A message of a conversation the reporter is a member of (anything else is 404, revealing nothing). */
  private async resolveMessage(actor: AuthUser, messageId: string, organizationId?: string): Promise<ResolvedTarget> {
    const message = await this.chatMessages.visibleMessage(actor.id, messageId);
    if (!message) {
      throw targetNotFound('messageId', `Message ${messageId} not found`);
    }
    if (message.deletedAt) {
      throw new ReportError(ReportErrorCode.TargetDeleted, 'This message was deleted', { field: 'messageId' });
    }
    if (message.authorId === actor.id) {
      throw new ReportError(ReportErrorCode.SelfReport, 'You cannot report your own message', { field: 'messageId' });
    }
    const orgId = message.organizationId;
    if (organizationId && organizationId !== orgId) {
      throw new ReportError(
        ReportErrorCode.FieldNotAllowed,
        "organizationId must be the message's organization (or left out)",
        { field: 'organizationId' },
      );
    }
    return {
      organizationId: orgId,
      targetMessageId: message.id,
      targetUserId: message.authorId,
      key: message.id,
      snapshot: {
        messageId: message.id,
        conversationId: message.conversationId,
        authorId: message.authorId,
        authorUsername: message.authorUsername,
        body: message.body,
        createdAt: message.createdAt.toISOString(),
        editedAt: message.editedAt?.toISOString() ?? null,
      },
    };
  }

  /** Another user who shares an organization with the reporter (else 404: users are not discoverable). */
  private async resolveUser(actor: AuthUser, userId: string, organizationId?: string): Promise<ResolvedTarget> {
    if (userId === actor.id) {
      throw new ReportError(ReportErrorCode.SelfReport, 'You cannot report yourself', { field: 'userId' });
    }
    const sharedIds = await this.organizations.sharedOrganizationIds(actor.id, userId);
    if (sharedIds.length === 0) {
      throw targetNotFound('userId', `User ${userId} not found`);
    }
    if (organizationId && !sharedIds.includes(organizationId)) {
      throw targetNotFound('organizationId', `Organization ${organizationId} is not one you share with this user`);
    }
    return {
      organizationId: organizationId ?? (sharedIds.length === 1 ? sharedIds[0] : null),
      targetMessageId: null,
      targetUserId: userId,
      snapshot: null,
      key: userId,
    };
  }
}

// ---- pure helpers ----

function targetNotFound(field: string, message: string): ReportError {
  return new ReportError(ReportErrorCode.TargetNotFound, message, { field });
}

function invalidTransition(
  from: ReportStatus,
  to: ReportStatus,
  allowed: readonly ReportStatus[] = ADMIN_TRANSITIONS[from],
): ReportError {
  return new ReportError(ReportErrorCode.InvalidTransition, `A report cannot go from ${from} to ${to}`, {
    from,
    to,
    allowed,
  });
}

/** 400 naming the first field that does not belong to this report type (e.g. `title` on a message report). */
export function rejectForeignFields(
  type: ReportType,
  body: Partial<Record<(typeof TYPED_FIELDS)[number], unknown>>,
): void {
  for (const field of TYPED_FIELDS) {
    if (body[field] !== undefined && !FIELDS_BY_TYPE[type].includes(field)) {
      throw new ReportError(ReportErrorCode.FieldNotAllowed, `${field} does not apply to ${type} reports`, { field });
    }
  }
}

/** Moves the report and records who did it; closing frees the reporter+target key for a new report. */
function changeStatus(
  em: EntityManager,
  report: Report,
  to: ReportStatus,
  actorId: string,
  resolution: string | null,
): void {
  const from = report.status;
  const now = new Date();
  report.status = to;
  report.statusChangedAt = now;
  if (CLOSING.includes(to)) {
    report.closedAt = now;
    report.closedBy = em.getReference(User, actorId);
    report.activeKey = null;
    if (resolution) {
      report.resolution = resolution;
    }
  }
  em.create(ReportEvent, {
    report,
    actor: actorId,
    kind: ReportEventKind.StatusChanged,
    fromStatus: from,
    toStatus: to,
    body: resolution,
    visibleToReporter: true,
  });
}

function nextCursor(rows: Report[], limit: number): string | null {
  if (rows.length <= limit) {
    return null;
  }
  const last = rows[limit - 1];
  return encodeKeysetCursor(last.createdAt, last.id);
}

export function toReportDto(report: Report): ReportDto {
  return {
    id: report.id,
    type: report.type,
    reason: report.reason ?? null,
    title: report.title ?? null,
    description: report.description ?? null,
    status: report.status,
    organizationId: report.organization?.id ?? null,
    targetMessageId: report.targetMessageId ?? null,
    targetUserId: report.targetUser?.id ?? null,
    resolution: report.resolution ?? null,
    createdAt: report.createdAt.toISOString(),
    updatedAt: report.updatedAt.toISOString(),
    statusChangedAt: report.statusChangedAt.toISOString(),
    closedAt: report.closedAt?.toISOString() ?? null,
  };
}

function toUserRef(user: User): ReportUserRefDto {
  return { id: user.id, username: user.username, email: user.email ?? null };
}

export function toAdminReportDto(report: Report): AdminReportDto {
  return {
    ...toReportDto(report),
    reporter: toUserRef(report.reporter),
    targetUser: report.targetUser ? toUserRef(report.targetUser) : null,
    messageSnapshot: report.messageSnapshot ?? null,
    closedById: report.closedBy?.id ?? null,
  };
}

/** In the reporter view, staff stay anonymous: only the reporter's own actions carry an actor id. */
export function toEventDto(event: ReportEvent, report: Report, reporterView: boolean): ReportEventDto {
  const actorId = event.actor?.id ?? null;
  const byReporter = actorId !== null && actorId === report.reporter.id;
  return {
    id: event.id,
    kind: event.kind,
    actorId: reporterView && !byReporter ? null : actorId,
    byReporter,
    fromStatus: event.fromStatus ?? null,
    toStatus: event.toStatus ?? null,
    body: event.body ?? null,
    visibleToReporter: event.visibleToReporter,
    createdAt: event.createdAt.toISOString(),
  };
}

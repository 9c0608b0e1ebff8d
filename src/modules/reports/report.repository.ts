import { EntityRepository, FilterQuery, QueryOrder } from '@mikro-orm/postgresql';
import type { ReportEvent } from './report-event.entity';
import type { Report } from './report.entity';
import { ReportStatus, ReportType } from './report.types';

/** A position in a newest-first list: after the row created at `at` with id `id`. */
export interface KeysetPosition {
  at: Date;
  id: string;
}

export interface AdminReportFilter {
  status?: ReportStatus;
  type?: ReportType;
  organizationId?: string;
  reporterId?: string;
  targetUserId?: string;
  createdFrom?: Date;
  createdTo?: Date;
}

const NEWEST_FIRST = { createdAt: QueryOrder.DESC, id: QueryOrder.DESC } as const;

/** Queries over reports and their history; no raw SQL (plain `find` / `count` only). */
export class ReportRepository extends EntityRepository<Report> {
  findOwn(reporterId: string, id: string): Promise<Report | null> {
    return this.findOne({ id, reporter: reporterId });
  }

  /** The open or in-review report holding this reporter+target key, if any. */
  findActiveByKey(activeKey: string): Promise<Report | null> {
    return this.findOne({ activeKey });
  }

  /** One page (plus one row, to tell whether another page follows) of a reporter's reports, newest first. */
  listByReporter(
    reporterId: string,
    options: { status?: ReportStatus; after?: KeysetPosition; limit: number },
  ): Promise<Report[]> {
    const where: FilterQuery<Report>[] = [{ reporter: reporterId }];
    if (options.status) {
      where.push({ status: options.status });
    }
    return this.page(where, options.after, options.limit);
  }

  /** One page (plus one row) of every report matching the admin's filters, newest first. */
  listForAdmin(filter: AdminReportFilter, options: { after?: KeysetPosition; limit: number }): Promise<Report[]> {
    return this.page(this.adminWhere(filter), options.after, options.limit, ['reporter', 'targetUser']);
  }

  /** How many reports matching the filters (ignoring its status) are in each status. */
  async countByStatus(filter: Omit<AdminReportFilter, 'status'>): Promise<Record<ReportStatus, number>> {
    const base = this.adminWhere(filter);
    const counts = await Promise.all(
      Object.values(ReportStatus).map(
        async (status) => [status, await this.count({ $and: [...base, { status }] })] as const,
      ),
    );
    return Object.fromEntries(counts) as Record<ReportStatus, number>;
  }

  /** A report's history, oldest first; for the reporter only what they may see. */
  findEvents(reportId: string, options: { reporterView: boolean }): Promise<ReportEvent[]> {
    const where: FilterQuery<ReportEvent> = options.reporterView
      ? { report: reportId, visibleToReporter: true }
      : { report: reportId };
    return this.em.find<ReportEvent, 'actor'>('ReportEvent', where, {
      orderBy: { createdAt: QueryOrder.ASC, id: QueryOrder.ASC },
      populate: ['actor'],
    });
  }

  private adminWhere(filter: AdminReportFilter): FilterQuery<Report>[] {
    const where: FilterQuery<Report>[] = [];
    if (filter.status) {
      where.push({ status: filter.status });
    }
    if (filter.type) {
      where.push({ type: filter.type });
    }
    if (filter.organizationId) {
      where.push({ organization: filter.organizationId });
    }
    if (filter.reporterId) {
      where.push({ reporter: filter.reporterId });
    }
    if (filter.targetUserId) {
      where.push({ targetUser: filter.targetUserId });
    }
    if (filter.createdFrom) {
      where.push({ createdAt: { $gte: filter.createdFrom } });
    }
    if (filter.createdTo) {
      where.push({ createdAt: { $lt: filter.createdTo } });
    }
    return where;
  }

  private page(
    where: FilterQuery<Report>[],
    after: KeysetPosition | undefined,
    limit: number,
    populate: ('reporter' | 'targetUser')[] = [],
  ): Promise<Report[]> {
    if (after) {
      where.push({
        $or: [{ createdAt: { $lt: after.at } }, { createdAt: after.at, id: { $lt: after.id } }],
      });
    }
    return this.find(where.length > 0 ? { $and: where } : {}, {
      orderBy: NEWEST_FIRST,
      limit: limit + 1,
      populate,
    });
  }
}

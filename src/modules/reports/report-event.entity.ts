import { Entity, Enum, Index, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { User } from 'src/modules/users/user.entity';
import type { Report } from './report.entity';
import { ReportStatus } from './report.types';

export enum ReportEventKind {
  Created = 'created',
  Edited = 'edited',
  Comment = 'comment',
  StatusChanged = 'status_changed',
}

/**
 * The history of a report: its creation, the reporter's edits, admin comments and every status change (who, when,
 * from and to). Comments are internal unless `visibleToReporter`; status changes are always shown to the reporter.
 */
@Entity({ tableName: 'report_events' })
@Index({ properties: ['report', 'createdAt'] })
export class ReportEvent extends BaseEntity<'visibleToReporter'> {
  @ManyToOne('Report', { deleteRule: 'cascade' })
  report!: Rel<Report>;

  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  actor?: Rel<User> | null;

  @Enum({ items: () => ReportEventKind, nativeEnumName: 'report_event_kind' })
  kind!: ReportEventKind;

  @Enum({ items: () => ReportStatus, nativeEnumName: 'report_status', nullable: true })
  fromStatus?: ReportStatus | null;

  @Enum({ items: () => ReportStatus, nativeEnumName: 'report_status', nullable: true })
  toStatus?: ReportStatus | null;

  /** A comment's text, or the resolution given with a status change. */
  @Property({ type: 'text', nullable: true })
  body?: string | null;

  @Property({ type: 'boolean' })
  visibleToReporter: boolean = false;
}

import {
  Entity,
  Enum,
  EntityRepositoryType,
  Index,
  ManyToOne,
  OneToMany,
  Property,
  type Rel,
  Collection,
} from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { Organization } from 'src/modules/organizations/organization.entity';
import { User } from 'src/modules/users/user.entity';
import type { ReportEvent } from './report-event.entity';
import { MessageSnapshot, ReportReason, ReportStatus, ReportType } from './report.types';
import { ReportRepository } from './report.repository';

export { ACTIVE_STATUSES, ReportReason, ReportStatus, ReportType } from './report.types';
export type { MessageSnapshot } from './report.types';

/**
 * A user's report of a chat message, another user, or a bug. `activeKey` (`<reporter>|<type>|<target>`) is set
 * while the report is open or in review and cleared when it closes; its unique index makes a second report of the
 * same target by the same reporter a conflict, even when two arrive at once. Bug reports have no target and no key.
 */
@Entity({ tableName: 'reports', repository: () => ReportRepository })
@Index({ properties: ['reporter', 'createdAt', 'id'] })
@Index({ properties: ['status', 'createdAt', 'id'] })
@Index({ properties: ['organization', 'createdAt'] })
@Index({ properties: ['targetUser', 'createdAt'] })
export class Report extends BaseEntity<'status' | 'statusChangedAt'> {
  [EntityRepositoryType]?: ReportRepository;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  reporter!: Rel<User>;

  @Enum({ items: () => ReportType, nativeEnumName: 'report_type' })
  type!: ReportType;

  @Enum({ items: () => ReportReason, nativeEnumName: 'report_reason', nullable: true })
  reason?: ReportReason | null;

  /** Bug reports only. */
  @Property({ type: 'text', nullable: true })
  title?: string | null;

  @Property({ type: 'text', nullable: true })
  description?: string | null;

  @Enum({ items: () => ReportStatus, nativeEnumName: 'report_status' })
  status: ReportStatus = ReportStatus.Open;

  @Property({ type: 'timestamptz' })
  statusChangedAt: Date = new Date();

  /** The organization the reported object belongs to (a message's conversation), or the one the reporter named. */
  @ManyToOne(() => Organization, { nullable: true, deleteRule: 'set null' })
  organization?: Rel<Organization> | null;

  /** Message reports: the reported message's id (a plain uuid: the message may go, the snapshot stays). */
  @Property({ type: 'uuid', nullable: true })
  targetMessageId?: string | null;

  /** User reports: the reported user; message reports: the message's author. */
  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  targetUser?: Rel<User> | null;

  @Property({ type: 'jsonb', nullable: true })
  messageSnapshot?: MessageSnapshot | null;

  /** Required when an admin resolves or dismisses the report. */
  @Property({ type: 'text', nullable: true })
  resolution?: string | null;

  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  closedBy?: Rel<User> | null;

  @Property({ type: 'timestamptz', nullable: true })
  closedAt?: Date | null;

  @Property({ type: 'text', nullable: true, unique: true })
  activeKey?: string | null;

  @OneToMany('ReportEvent', 'report')
  events = new Collection<ReportEvent>(this);
}

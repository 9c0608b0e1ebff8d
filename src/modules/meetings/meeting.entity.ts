import { Entity, Enum, Index, ManyToOne, Property, type Rel, Unique } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { Organization } from 'src/modules/organizations/organization.entity';
import { User } from 'src/modules/users/user.entity';

export enum MeetingStatus {
  Scheduled = 'scheduled',
  Live = 'live',
  Ended = 'ended',
  Cancelled = 'cancelled',
}

/** A meeting's settings (stored as one jsonb column). */
export interface MeetingSettings {
  waitingRoom: boolean;
  maxParticipants: number;
  recordingAllowed: boolean;
  guestsAllowed: boolean;
}

export const DEFAULT_MEETING_SETTINGS: MeetingSettings = {
  waitingRoom: false,
  maxParticipants: 50,
  recordingAllowed: false,
  guestsAllowed: false,
};

/**
 * A video meeting inside one organization. Scheduled ones have `scheduledStart`/`scheduledEnd`; instant ones have
 * neither. `status` moves scheduled → live (start) → ended (stop), or scheduled → cancelled.
 */
@Entity({ tableName: 'meetings' })
@Index({ properties: ['organization', 'createdAt'] })
@Index({ properties: ['organization', 'scheduledStart'] })
export class Meeting extends BaseEntity<'status' | 'settings'> {
  @ManyToOne(() => Organization, { deleteRule: 'cascade' })
  organization!: Rel<Organization>;

  @Property({ type: 'text' })
  title!: string;

  @Property({ type: 'text', nullable: true })
  description?: string | null;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  host!: Rel<User>;

  @Property({ type: 'timestamptz', nullable: true })
  scheduledStart?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  scheduledEnd?: Date | null;

  @Enum({ items: () => MeetingStatus, nativeEnumName: 'meeting_status', default: MeetingStatus.Scheduled })
  status: MeetingStatus = MeetingStatus.Scheduled;

  @Property({ type: 'jsonb' })
  settings: MeetingSettings = { ...DEFAULT_MEETING_SETTINGS };

  @Property({ type: 'timestamptz', nullable: true })
  startedAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  endedAt?: Date | null;
}

/** Someone invited to a meeting: an organization member (`user`) or an external address (`email`), never both. */
@Entity({ tableName: 'meeting_invitees' })
@Unique({ properties: ['meeting', 'user'] })
@Unique({ properties: ['meeting', 'email'] })
@Index({ properties: ['user'] })
export class MeetingInvitee extends BaseEntity {
  @ManyToOne(() => Meeting, { deleteRule: 'cascade' })
  meeting!: Rel<Meeting>;

  @ManyToOne(() => User, { nullable: true, deleteRule: 'cascade' })
  user?: Rel<User> | null;

  @Property({ type: 'text', nullable: true })
  email?: string | null;
}

/**
 * One presence of someone in a meeting (joined → left): a user, or a guest by name. Filled by the signalling;
 * `POST /stop` closes the rows still open.
 */
@Entity({ tableName: 'meeting_participants' })
@Index({ properties: ['meeting', 'joinedAt'] })
export class MeetingParticipant extends BaseEntity<'joinedAt'> {
  @ManyToOne(() => Meeting, { deleteRule: 'cascade' })
  meeting!: Rel<Meeting>;

  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  user?: Rel<User> | null;

  @Property({ type: 'text', nullable: true })
  guestName?: string | null;

  @Property({ type: 'timestamptz' })
  joinedAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  leftAt?: Date | null;

  @Property({ type: 'integer', nullable: true })
  durationSeconds?: number | null;
}

import { Entity, Enum, Index, ManyToOne, Property, type Rel, Unique } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { Meeting } from 'src/modules/meetings/meeting.entity';
import { Organization } from 'src/modules/organizations/organization.entity';
import { User } from 'src/modules/users/user.entity';

export enum CallDirection {
  Inbound = 'inbound',
  Outbound = 'outbound',
  /** Between organization members only (no phone number); may run as a meeting on the SFU. */
  Internal = 'internal',
}

/**
 * scheduled → ringing (the scheduled time came) → completed / missed / failed (`POST /end`);
 * in_progress (created now) → completed / missed / failed; scheduled → cancelled.
 */
export enum CallStatus {
  Scheduled = 'scheduled',
  Ringing = 'ringing',
  InProgress = 'in_progress',
  Completed = 'completed',
  Missed = 'missed',
  Failed = 'failed',
  Cancelled = 'cancelled',
}

/** Statuses `POST /end` accepts a call in. */
export const ACTIVE_CALL_STATUSES: readonly CallStatus[] = [CallStatus.Ringing, CallStatus.InProgress];

/**
 * One call record of an organization: who took part (members, `CallParticipant`) and/or the external phone number,
 * its timing, transcript, recording link and notes. `meeting` links the video meeting an internal call runs in.
 */
@Entity({ tableName: 'calls' })
@Index({ properties: ['organization', 'createdAt'] })
@Index({ properties: ['organization', 'startedAt'] })
@Index({ properties: ['organization', 'scheduledAt'] })
@Unique({ properties: ['organization', 'createdBy', 'requestKey'] })
export class Call extends BaseEntity<'status' | 'ownsMeeting'> {
  @ManyToOne(() => Organization, { deleteRule: 'cascade' })
  organization!: Rel<Organization>;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  createdBy!: Rel<User>;

  @Enum({ items: () => CallDirection, nativeEnumName: 'call_direction' })
  direction!: CallDirection;

  @Enum({ items: () => CallStatus, nativeEnumName: 'call_status', default: CallStatus.InProgress })
  status: CallStatus = CallStatus.InProgress;

  /** The external party, E.164 (`+4930123456`); null for internal calls. */
  @Property({ type: 'text', nullable: true })
  phoneNumber?: string | null;

  @Property({ type: 'text', nullable: true })
  subject?: string | null;

  @Property({ type: 'timestamptz', nullable: true })
  scheduledAt?: Date | null;

  /**
   * From the creating request's `Idempotency-Key` (`<key>#<index>` for bulk items): a retry of the request finds
   * these calls instead of creating more. Unique per organization and creator.
   */
  @Property({ type: 'text', nullable: true })
  requestKey?: string | null;

  @Property({ type: 'timestamptz', nullable: true })
  startedAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  endedAt?: Date | null;

  @Property({ type: 'integer', nullable: true })
  durationSeconds?: number | null;

  @Property({ type: 'text', nullable: true })
  transcript?: string | null;

  @Property({ type: 'text', nullable: true })
  recordingUrl?: string | null;

  @Property({ type: 'text', nullable: true })
  notes?: string | null;

  @ManyToOne(() => Meeting, { nullable: true, deleteRule: 'set null' })
  meeting?: Rel<Meeting> | null;

  /** The call created its meeting (`video: true`): ending the call stops the meeting. */
  @Property({ type: 'boolean', default: false })
  ownsMeeting: boolean = false;
}

/** An organization member taking part in a call (the creator always is one). */
@Entity({ tableName: 'call_participants' })
@Unique({ properties: ['call', 'user'] })
@Index({ properties: ['user'] })
export class CallParticipant extends BaseEntity {
  @ManyToOne(() => Call, { deleteRule: 'cascade' })
  call!: Rel<Call>;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: Rel<User>;
}

/** One member's rating of a call; a second submission by the same member replaces the first. */
@Entity({ tableName: 'call_feedback' })
@Unique({ properties: ['call', 'user'] })
export class CallFeedback extends BaseEntity {
  @ManyToOne(() => Call, { deleteRule: 'cascade' })
  call!: Rel<Call>;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: Rel<User>;

  @Property({ type: 'smallint' })
  rating!: number;

  @Property({ type: 'text', nullable: true })
  comment?: string | null;
}

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

export enum MeetingRecordingStatus {
  Recording = 'recording',
  Completed = 'completed',
  Failed = 'failed',
}

/** One recorded producer: a file under STORAGE_DIR written by ffmpeg without re-encoding. */
export interface MeetingRecordingTrack {
  id: string;
  producerId: string;
  peerId: string;
  userId: string | null;
  displayName: string;
  kind: 'audio' | 'video';
  /** Relative to STORAGE_DIR. */
  file: string;
  contentType: string;
  startedAt: string;
  endedAt: string | null;
  bytes: number | null;
}

/**
 * A recording of a live meeting, started and stopped by the host when `settings.recordingAllowed`: one track per
 * producer that was live while recording (people who join later are recorded from when they produce).
 */
@Entity({ tableName: 'meeting_recordings' })
@Index({ properties: ['meeting', 'startedAt'] })
export class MeetingRecording extends BaseEntity<'status' | 'tracks' | 'startedAt'> {
  @ManyToOne(() => Meeting, { deleteRule: 'cascade' })
  meeting!: Rel<Meeting>;

  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  startedBy?: Rel<User> | null;

  @Enum({
    items: () => MeetingRecordingStatus,
    nativeEnumName: 'meeting_recording_status',
    default: MeetingRecordingStatus.Recording,
  })
  status: MeetingRecordingStatus = MeetingRecordingStatus.Recording;

  @Property({ type: 'timestamptz' })
  startedAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  endedAt?: Date | null;

  @Property({ type: 'jsonb' })
  tracks: MeetingRecordingTrack[] = [];

  @Property({ type: 'text', nullable: true })
  error?: string | null;
}

import { Entity, Enum, Index, ManyToOne, Property, type Rel, Unique } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { Organization } from 'src/modules/organizations/organization.entity';
import { User } from 'src/modules/users/user.entity';
import { MailAccount } from './mail-account.entity';
import type { MailAddress } from './mail-message.entity';

export enum SubmissionStatus {
  /** Saved to the Drafts folder; not submitted. */
  Draft = 'draft',
  /** Waiting for a worker. */
  Queued = 'queued',
  /** Waiting for `sendAt` (a delayed job). */
  Scheduled = 'scheduled',
  /** A worker is on it (or crashed on it: the retry resumes where it stopped). */
  Sending = 'sending',
  Sent = 'sent',
  Failed = 'failed',
  Cancelled = 'cancelled',
}

/** What became of the copy in the Sent folder. */
export enum SentCopyState {
  /** APPEND is about to run (or ran, unconfirmed): a retry looks the Message-ID up before appending again. */
  Appending = 'appending',
  Appended = 'appended',
  /** Not wanted (`copy: false`) or the provider files sent mail itself (Gmail). */
  Skipped = 'skipped',
  /** The account has no Sent folder. */
  NoFolder = 'no_folder',
  Failed = 'failed',
}

export enum ReferenceMode {
  Reply = 'reply',
  ReplyAll = 'reply_all',
  Forward = 'forward',
}

/** The resolved message, as submitted: recipients and headers already filled from the original for a reply. */
export interface SubmissionContent {
  to: MailAddress[];
  cc: MailAddress[];
  bcc: MailAddress[];
  replyTo: MailAddress[];
  subject: string;
  text: string | null;
  html: string | null;
  attachments: { uploadId: string; filename: string; contentType: string; size: number }[];
  inReplyTo: string | null;
  references: string[];
  /** Forward: the original, attached as message/rfc822 (fetched from the IMAP server at compose time). */
  forward: { messageId: string; folderPath: string; uidValidity: string; uid: string; subject: string } | null;
}

/**
 * One outgoing message of a user's mail account: a draft, a send (now or scheduled), and what happened to it. The
 * row is the job's source of truth (jobId `mail-send-<id>`): the raw message is composed once and kept, the SMTP
 * acceptance is recorded before the Sent copy is appended, so a retried job never sends twice.
 */
@Entity({ tableName: 'mail_submissions' })
@Unique({ properties: ['account', 'idempotencyKey'] })
@Index({ properties: ['account', 'createdAt'] })
export class MailSubmission extends BaseEntity<'status' | 'attempts' | 'copyToSent'> {
  @ManyToOne(() => Organization, { deleteRule: 'cascade' })
  organization!: Rel<Organization>;

  @ManyToOne(() => MailAccount, { deleteRule: 'cascade' })
  account!: Rel<MailAccount>;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: Rel<User>;

  @Enum({ items: () => SubmissionStatus, nativeEnumName: 'mail_submission_status' })
  status: SubmissionStatus = SubmissionStatus.Queued;

  @Property({ type: 'string', length: 255, nullable: true })
  idempotencyKey?: string;

  /** SHA-256 of the request body under that key: the same key with another body is refused. */
  @Property({ type: 'string', length: 64, nullable: true })
  requestHash?: string;

  @Property({ type: 'jsonb' })
  content!: SubmissionContent;

  @Enum({ items: () => ReferenceMode, nativeEnumName: 'mail_reference_mode', nullable: true })
  referenceMode?: ReferenceMode;

  /** Message-ID (without angle brackets) given to the message when it was submitted. */
  @Property({ type: 'text' })
  messageId!: string;

  /** Save a copy to the Sent folder (unless the provider does it itself). */
  @Property({ type: 'boolean' })
  copyToSent: boolean = true;

  @Property({ type: 'timestamptz', nullable: true })
  sendAt?: Date;

  /** The composed RFC 822 message, byte for byte what went to SMTP and to the Sent folder. */
  @Property({ type: 'blob', nullable: true, lazy: true })
  raw?: Buffer;

  @Property({ type: 'integer' })
  attempts: number = 0;

  @Property({ type: 'timestamptz', nullable: true })
  smtpAcceptedAt?: Date;

  @Property({ type: 'text', nullable: true })
  smtpResponse?: string;

  @Enum({ items: () => SentCopyState, nativeEnumName: 'mail_sent_copy_state', nullable: true })
  sentCopy?: SentCopyState;

  @Property({ type: 'timestamptz', nullable: true })
  sentAt?: Date;

  @Property({ type: 'string', length: 1000, nullable: true })
  error?: string;

  /** Where the draft is on the server (Drafts folder path, UIDVALIDITY, UID). */
  @Property({ type: 'text', nullable: true })
  draftPath?: string;

  @Property({ type: 'bigint', nullable: true })
  draftUidValidity?: string;

  @Property({ type: 'bigint', nullable: true })
  draftUid?: string;
}

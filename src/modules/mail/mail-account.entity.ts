import { Entity, Enum, Index, ManyToOne, Property, type Rel, Unique } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { Organization } from 'src/modules/organizations/organization.entity';
import { User } from 'src/modules/users/user.entity';

export enum MailSecurity {
  /** Implicit TLS from the first byte (IMAP 993, SMTP 465). */
  Tls = 'tls',
  /** Plain connection upgraded with STARTTLS, which is required (IMAP 143, SMTP 587). */
  StartTls = 'starttls',
  /** No encryption: only with MAIL_ALLOW_INSECURE=true (a local test server). */
  None = 'none',
}

/** Where an account's synchronisation stands; shown over the API and sent as `account.sync_state`. */
export enum MailSyncState {
  /** Saved, waiting for a worker to pick it up. */
  Pending = 'pending',
  Connecting = 'connecting',
  /** Initial or catch-up synchronisation running. */
  Syncing = 'syncing',
  /** Up to date; new mail arrives through IDLE. */
  Idle = 'idle',
  Paused = 'paused',
  /** The server refused the credentials: no retry until they are updated. */
  AuthError = 'auth_error',
  /** Network, TLS or server trouble: retried with backoff. */
  ConnectError = 'connect_error',
}

/** A user's mailbox connected to Switchboard, within an organization. Passwords are sealed (AES-256-GCM). */
@Entity({ tableName: 'mail_accounts' })
@Unique({ properties: ['organization', 'user', 'email'] })
@Index({ properties: ['organization', 'user', 'createdAt'] })
@Index({ properties: ['syncState'] })
export class MailAccount extends BaseEntity<'syncState' | 'paused'> {
  @ManyToOne(() => Organization, { deleteRule: 'cascade' })
  organization!: Rel<Organization>;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: Rel<User>;

  /** Lower-cased address of the mailbox. */
  @Property({ type: 'string', length: 320 })
  email!: string;

  /** Sender name used on outgoing mail. */
  @Property({ type: 'string', length: 200, nullable: true })
  name?: string;

  @Property({ type: 'string', length: 255 })
  imapHost!: string;

  @Property({ type: 'integer' })
  imapPort!: number;

  @Enum({ items: () => MailSecurity, nativeEnumName: 'mail_security' })
  imapSecurity!: MailSecurity;

  @Property({ type: 'string', length: 320 })
  imapUser!: string;

  @Property({ type: 'text', hidden: true, lazy: true })
  imapPasswordSealed!: string;

  @Property({ type: 'string', length: 255 })
  smtpHost!: string;

  @Property({ type: 'integer' })
  smtpPort!: number;

  @Enum({ items: () => MailSecurity, nativeEnumName: 'mail_security' })
  smtpSecurity!: MailSecurity;

  @Property({ type: 'string', length: 320 })
  smtpUser!: string;

  @Property({ type: 'text', hidden: true, lazy: true })
  smtpPasswordSealed!: string;

  @Property({ type: 'boolean' })
  paused: boolean = false;

  @Enum({ items: () => MailSyncState, nativeEnumName: 'mail_sync_state' })
  syncState: MailSyncState = MailSyncState.Pending;

  @Property({ type: 'string', length: 1000, nullable: true })
  lastError?: string;

  @Property({ type: 'timestamptz', nullable: true })
  lastErrorAt?: Date;

  @Property({ type: 'timestamptz', nullable: true })
  lastSyncedAt?: Date;
}

/** Populate hint for an account's sealed passwords (lazy columns, loaded only to connect). */
export const ACCOUNT_CREDENTIALS = ['imapPasswordSealed', 'smtpPasswordSealed'] as const;

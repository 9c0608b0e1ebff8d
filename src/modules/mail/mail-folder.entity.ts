import { Entity, Enum, ManyToOne, Property, type Rel, Unique } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { MailAccount } from './mail-account.entity';

/** Special-use roles (RFC 6154), from the server's flags or, failing those, well-known names. */
export enum FolderRole {
  Inbox = 'inbox',
  Sent = 'sent',
  Drafts = 'drafts',
  Trash = 'trash',
  Junk = 'junk',
  Archive = 'archive',
  All = 'all',
  Flagged = 'flagged',
}

/** A mailbox on the IMAP server and where its synchronisation stands. */
@Entity({ tableName: 'mail_folders' })
@Unique({ properties: ['account', 'path'] })
export class MailFolder extends BaseEntity<'total' | 'unseen'> {
  @ManyToOne(() => MailAccount, { deleteRule: 'cascade' })
  account!: Rel<MailAccount>;

  @Property({ type: 'text' })
  path!: string;

  @Property({ type: 'string', length: 255 })
  name!: string;

  @Property({ type: 'string', length: 8, nullable: true })
  delimiter?: string;

  @Enum({ items: () => FolderRole, nativeEnumName: 'mail_folder_role', nullable: true })
  role?: FolderRole;

  /** UIDVALIDITY the stored messages belong to; a different value on the server means a full resync. */
  @Property({ type: 'bigint', nullable: true })
  uidValidity?: string;

  @Property({ type: 'bigint', nullable: true })
  uidNext?: string;

  /** CONDSTORE HIGHESTMODSEQ at the last sync; flag changes since are fetched with CHANGEDSINCE. */
  @Property({ type: 'bigint', nullable: true })
  highestModseq?: string;

  @Property({ type: 'integer' })
  total: number = 0;

  @Property({ type: 'integer' })
  unseen: number = 0;

  @Property({ type: 'timestamptz', nullable: true })
  lastSyncedAt?: Date;
}

import { ArrayType, Entity, Index, ManyToOne, Property, type Rel, Unique } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { MailAccount } from './mail-account.entity';
import { MailFolder } from './mail-folder.entity';

export interface MailAddress {
  name: string | null;
  address: string | null;
}

export interface AttachmentMeta {
  /** Position among the parsed attachments (0-based); with the UID it finds the content on the server. */
  index: number;
  filename: string | null;
  contentType: string;
  size: number;
  contentId: string | null;
  inline: boolean;
}

/**
 * A message as synced from one folder. Unique per (folder, UIDVALIDITY, UID): a re-run after a crash inserts
 * nothing twice. `search` is a generated tsvector over subject, addresses and text, indexed with GIN.
 */
@Entity({ tableName: 'mail_messages' })
@Unique({ properties: ['folder', 'uidValidity', 'uid'] })
@Index({ properties: ['folder', 'internalDate'] })
@Index({ properties: ['account', 'internalDate'] })
@Index({ properties: ['account', 'messageId'] })
@Index({ properties: ['account', 'threadId'] })
@Index({ properties: ['search'], type: 'fulltext' })
export class MailMessage extends BaseEntity<'seen' | 'flagged' | 'answered' | 'draft' | 'search'> {
  @ManyToOne(() => MailAccount, { deleteRule: 'cascade' })
  account!: Rel<MailAccount>;

  @ManyToOne(() => MailFolder, { deleteRule: 'cascade' })
  folder!: Rel<MailFolder>;

  @Property({ type: 'bigint' })
  uidValidity!: string;

  @Property({ type: 'bigint' })
  uid!: string;

  @Property({ type: 'bigint', nullable: true })
  modseq?: string;

  @Property({ type: ArrayType })
  flags!: string[];

  @Property({ type: 'boolean' })
  seen: boolean = false;

  @Property({ type: 'boolean' })
  flagged: boolean = false;

  @Property({ type: 'boolean' })
  answered: boolean = false;

  @Property({ type: 'boolean' })
  draft: boolean = false;

  /** Message-ID without angle brackets. */
  @Property({ type: 'text', nullable: true })
  messageId?: string;

  @Property({ type: 'text', nullable: true })
  inReplyTo?: string;

  @Property({ type: ArrayType, fieldName: 'reference_ids' })
  references!: string[];

  /** The Message-ID that starts the conversation (References' first entry, else In-Reply-To, else its own). */
  @Property({ type: 'text', nullable: true })
  threadId?: string;

  @Property({ type: 'text', nullable: true })
  subject?: string;

  @Property({ type: 'jsonb', nullable: true, fieldName: 'from_address' })
  from?: MailAddress;

  @Property({ type: 'jsonb', fieldName: 'to_addresses' })
  to!: MailAddress[];

  @Property({ type: 'jsonb', fieldName: 'cc_addresses' })
  cc!: MailAddress[];

  @Property({ type: 'jsonb', fieldName: 'reply_to_addresses' })
  replyTo!: MailAddress[];

  /** The Date header. */
  @Property({ type: 'timestamptz', nullable: true })
  sentAt?: Date;

  /** When the server received it (INTERNALDATE); the folder's sort order. */
  @Property({ type: 'timestamptz' })
  internalDate!: Date;

  @Property({ type: 'integer' })
  size!: number;

  @Property({ type: 'string', length: 300 })
  preview!: string;

  @Property({ type: 'text', nullable: true, lazy: true })
  textBody?: string;

  /** Sanitized HTML (no scripts, no event handlers, remote images kept as links). */
  @Property({ type: 'text', nullable: true, lazy: true })
  htmlBody?: string;

  @Property({ type: 'boolean' })
  hasAttachments!: boolean;

  @Property({ type: 'jsonb' })
  attachments!: AttachmentMeta[];

  /**
   * Written exactly as PostgreSQL prints it back (pg_get_expr), so the schema comparison sees no drift:
   * subject weighs A, sender and recipients B, the first 100k characters of the text C.
   */
  @Property({
    type: 'tsvector',
    lazy: true,
    nullable: true,
    generated: `((setweight(to_tsvector('simple'::regconfig, COALESCE(subject, ''::text)), 'A'::"char") || setweight(to_tsvector('simple'::regconfig, ((((COALESCE((from_address ->> 'name'::text), ''::text) || ' '::text) || COALESCE((from_address ->> 'address'::text), ''::text)) || ' '::text) || (to_addresses)::text)), 'B'::"char")) || setweight(to_tsvector('simple'::regconfig, "left"(COALESCE(text_body, ''::text), 100000)), 'C'::"char")) stored`,
  })
  search?: string;
}

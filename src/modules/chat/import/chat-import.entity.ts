import { Entity, Enum, Index, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { Organization } from 'src/modules/organizations/organization.entity';
import { User } from 'src/modules/users/user.entity';
import { Conversation } from 'src/modules/chat/conversation.entity';
import type { DateOrder } from './whatsapp.parser';

export enum ChatImportPlatform {
  WhatsApp = 'whatsapp',
  Telegram = 'telegram',
}

export enum ChatImportStatus {
  Queued = 'queued',
  Running = 'running',
  Completed = 'completed',
  Failed = 'failed',
}

/** Why an import failed: the parser's code and message, and where in the file. */
export interface ChatImportFailure {
  code: string;
  message: string;
  line?: number;
  entry?: number;
  path?: string;
}

/** Parser options given with the upload. */
export interface ChatImportOptions {
  timeZone?: string;
  /** Telegram "all chats" export: which chat (index, id or name). */
  chat?: string;
  /** WhatsApp: the day/month order the request asked for (wins over everything in the file). */
  dateOrder?: DateOrder;
  /** WhatsApp: the importer's profile locale at upload time (a fallback for files that do not tell). */
  locale?: string;
}

/** What decided the day/month order of a WhatsApp import, in precedence order. */
export enum ChatImportDateOrderSource {
  /** The request's `dateOrder`. */
  Request = 'request',
  /** A day > 12 in the file. */
  Content = 'content',
  /** The order in which the messages follow each other. */
  Sequence = 'sequence',
  /** The importer's profile locale. */
  Locale = 'locale',
  /** Nothing told: day-first. */
  Default = 'default',
}

/** The day/month order a WhatsApp import was read with. */
export interface ChatImportDateOrder {
  order: DateOrder;
  decidedBy: ChatImportDateOrderSource;
}

/**
 * One upload of a chat export (`POST /chat/imports`) and the job that turns it into an imported conversation. The
 * file lives at `STORAGE_DIR/<path>` (shared by API nodes and workers) until the import ends.
 */
@Entity({ tableName: 'chat_imports' })
@Index({ properties: ['user', 'createdAt'] })
export class ChatImport extends BaseEntity<'status' | 'processed' | 'quotaMessages' | 'options'> {
  @ManyToOne(() => Organization, { deleteRule: 'cascade' })
  organization!: Rel<Organization>;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: Rel<User>;

  @Enum({ items: () => ChatImportPlatform, nativeEnumName: 'chat_import_platform' })
  platform!: ChatImportPlatform;

  @Enum({ items: () => ChatImportStatus, nativeEnumName: 'chat_import_status' })
  status: ChatImportStatus = ChatImportStatus.Queued;

  /** The title asked for; null: taken from the export. */
  @Property({ type: 'text', nullable: true })
  title?: string | null;

  @Property({ type: 'string', length: 255 })
  filename!: string;

  @Property({ type: 'bigint' })
  size!: string;

  @Property({ type: 'string', length: 64 })
  sha256!: string;

  /** Relative to STORAGE_DIR; null once the file was removed. */
  @Property({ type: 'text', nullable: true })
  path?: string | null;

  @Property({ type: 'jsonb' })
  options: ChatImportOptions = {};

  /** Messages stored so far. */
  @Property({ type: 'integer' })
  processed: number = 0;

  /** Messages in the file, once known (validated in the request, or parsed to the end by the job). */
  @Property({ type: 'integer', nullable: true })
  total?: number | null;

  /** Messages charged to the user's `messages` quota (given back if the import fails). */
  @Property({ type: 'integer' })
  quotaMessages: number = 0;

  /** Whether an `imports` quota unit was charged (given back if the import fails). */
  @Property({ type: 'boolean', default: false })
  quotaImport: boolean = false;

  @ManyToOne(() => Conversation, { nullable: true, deleteRule: 'set null' })
  conversation?: Rel<Conversation> | null;

  @Property({ type: 'jsonb', nullable: true })
  error?: ChatImportFailure | null;

  /** WhatsApp: how day and month were read, once known (null: not yet, Telegram, or only year-first dates). */
  @Property({ type: 'jsonb', nullable: true })
  dateOrder?: ChatImportDateOrder | null;

  @Property({ type: 'timestamptz', nullable: true })
  startedAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  finishedAt?: Date | null;
}

import { ArrayType, Entity, Enum, Index, ManyToOne, Property, type Rel, Unique } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { User } from 'src/modules/users/user.entity';
import { Conversation } from './conversation.entity';

/** What a message is: sent here (`text`), or as an imported export says (a notice, a media placeholder, deleted). */
export enum ChatMessageKind {
  Text = 'text',
  System = 'system',
  Media = 'media',
  Deleted = 'deleted',
}

/** A media placeholder of an imported message (the export names the file, never holds it). */
export interface ChatMessageMedia {
  filename?: string;
  type?: string;
}

/**
 * A chat message. Deleting is soft: the body is cleared and `deletedAt` set, so replies and read positions keep
 * pointing at a row. `clientMessageId` (the `Idempotency-Key`) is unique per (conversation, author): a retried send
 * finds the stored message. `search` is a generated tsvector over the body, indexed with GIN. Imported messages
 * (`importSeq` set: their place in the export, unique per conversation so a retried import inserts nothing twice)
 * keep the export's author name in `authorName`, mapped to `author` when it matched an organization member.
 */
@Entity({ tableName: 'chat_messages' })
@Unique({ properties: ['conversation', 'author', 'clientMessageId'] })
@Unique({ properties: ['conversation', 'importSeq'] })
@Index({ properties: ['conversation', 'createdAt', 'id'] })
@Index({ properties: ['search'], type: 'fulltext' })
// Deleting messages (a conversation, a failed import) checks who replied to each: without it, a scan per row.
@Index({ properties: ['replyTo'] })
export class ChatMessage extends BaseEntity<'search' | 'mentions' | 'kind'> {
  @ManyToOne(() => Conversation, { deleteRule: 'cascade' })
  conversation!: Rel<Conversation>;

  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  author?: Rel<User> | null;

  @Property({ type: 'text' })
  body!: string;

  @ManyToOne(() => ChatMessage, { nullable: true, deleteRule: 'set null' })
  replyTo?: Rel<ChatMessage> | null;

  @Property({ type: 'timestamptz', nullable: true })
  editedAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  deletedAt?: Date | null;

  @Property({ type: 'text', nullable: true })
  clientMessageId?: string | null;

  /** Members of the conversation the body mentions (`@username`), as of the last edit. */
  @Property({ type: ArrayType, columnType: 'uuid[]', default: '{}' })
  mentions: string[] = [];

  @Enum({ items: () => ChatMessageKind, nativeEnumName: 'chat_message_kind', default: ChatMessageKind.Text })
  kind: ChatMessageKind = ChatMessageKind.Text;

  /** Imported messages: the sender's display name in the export (null for notices). */
  @Property({ type: 'text', nullable: true })
  authorName?: string | null;

  @Property({ type: 'jsonb', nullable: true })
  media?: ChatMessageMedia | null;

  /** Imported messages: 0-based position in the export. */
  @Property({ type: 'integer', nullable: true })
  importSeq?: number | null;

  /** Written exactly as PostgreSQL prints it back (pg_get_expr), so the schema comparison sees no drift. */
  @Property({
    type: 'tsvector',
    lazy: true,
    nullable: true,
    generated: `(to_tsvector('simple'::regconfig, body)) stored`,
  })
  search?: string;
}

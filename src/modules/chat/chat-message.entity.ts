import { ArrayType, Entity, Index, ManyToOne, Property, type Rel, Unique } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { User } from 'src/modules/users/user.entity';
import { Conversation } from './conversation.entity';

/**
 * A chat message. Deleting is soft: the body is cleared and `deletedAt` set, so replies and read positions keep
 * pointing at a row. `clientMessageId` (the `Idempotency-Key`) is unique per (conversation, author): a retried send
 * finds the stored message. `search` is a generated tsvector over the body, indexed with GIN.
 */
@Entity({ tableName: 'chat_messages' })
@Unique({ properties: ['conversation', 'author', 'clientMessageId'] })
@Index({ properties: ['conversation', 'createdAt', 'id'] })
@Index({ properties: ['search'], type: 'fulltext' })
export class ChatMessage extends BaseEntity<'search' | 'mentions'> {
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

  /** Written exactly as PostgreSQL prints it back (pg_get_expr), so the schema comparison sees no drift. */
  @Property({
    type: 'tsvector',
    lazy: true,
    nullable: true,
    generated: `(to_tsvector('simple'::regconfig, body)) stored`,
  })
  search?: string;
}

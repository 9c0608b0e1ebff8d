import { Entity, Index, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { User } from 'src/modules/users/user.entity';
import { ChatMessage } from './chat-message.entity';
import { Conversation } from './conversation.entity';

/**
 * A file shared in a conversation. Uploaded first (`message` null, visible only to its uploader), then attached by
 * sending a message with its id; from then on every member can download it while the message is not deleted. The
 * bytes live in `STORAGE_DIR/chat-attachments/<conversation>/<id>`.
 */
@Entity({ tableName: 'chat_attachments' })
@Index({ properties: ['message'] })
@Index({ properties: ['conversation', 'uploader'] })
export class ChatAttachment extends BaseEntity {
  @ManyToOne(() => Conversation, { deleteRule: 'cascade' })
  conversation!: Rel<Conversation>;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  uploader!: Rel<User>;

  @ManyToOne(() => ChatMessage, { nullable: true, deleteRule: 'cascade' })
  message?: Rel<ChatMessage> | null;

  /** 1-based place in the message's `attachmentIds`, set when sent: attachments are shown in the sender's order. */
  @Property({ type: 'smallint', nullable: true })
  position?: number | null;

  @Property({ type: 'string', length: 255 })
  filename!: string;

  @Property({ type: 'string', length: 255 })
  contentType!: string;

  @Property({ type: 'integer' })
  size!: number;

  /** Hex SHA-256 of the bytes, computed while they streamed to disk. */
  @Property({ type: 'string', length: 64 })
  sha256!: string;
}

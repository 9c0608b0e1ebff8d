import { Entity, Enum, Index, ManyToOne, Property, type Rel, Unique } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { User } from 'src/modules/users/user.entity';
import { Conversation } from './conversation.entity';

export enum ConversationRole {
  Admin = 'admin',
  Member = 'member',
}

/**
 * A user's place in a conversation and their own view of it: read position (the newest message they have read,
 * with its creation time as the watermark unread counts compare against), muted and archived flags.
 */
@Entity({ tableName: 'chat_conversation_members' })
@Unique({ properties: ['conversation', 'user'] })
@Index({ properties: ['user'] })
export class ConversationMember extends BaseEntity<'joinedAt' | 'muted' | 'archived'> {
  @ManyToOne(() => Conversation, { deleteRule: 'cascade' })
  conversation!: Rel<Conversation>;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: Rel<User>;

  @Enum({ items: () => ConversationRole, nativeEnumName: 'chat_member_role' })
  role: ConversationRole = ConversationRole.Member;

  @Property({ type: 'uuid', nullable: true })
  lastReadMessageId?: string | null;

  /** `createdAt` of the message at `lastReadMessageId`. */
  @Property({ type: 'timestamptz', nullable: true })
  lastReadAt?: Date | null;

  @Property({ type: 'boolean' })
  muted: boolean = false;

  @Property({ type: 'boolean' })
  archived: boolean = false;

  @Property({ type: 'timestamptz' })
  joinedAt: Date = new Date();
}

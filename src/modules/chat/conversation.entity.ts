import { Entity, Enum, Index, ManyToOne, Property, type Rel, Unique } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { Organization } from 'src/modules/organizations/organization.entity';
import { User } from 'src/modules/users/user.entity';

export enum ConversationType {
  Direct = 'direct',
  Group = 'group',
  /** Read-only history imported from a WhatsApp or Telegram export (see `import/`); only the importer is a member. */
  Imported = 'imported',
}

/**
 * A chat conversation inside one organization. A direct conversation has exactly two members and a `directKey`
 * (the two user ids sorted, joined by ':'), unique per organization, so creating it twice finds the first one.
 */
@Entity({ tableName: 'chat_conversations' })
@Unique({ properties: ['organization', 'directKey'] })
@Index({ properties: ['organization', 'lastMessageAt'] })
export class Conversation extends BaseEntity<'lastMessageAt'> {
  @ManyToOne(() => Organization, { deleteRule: 'cascade' })
  organization!: Rel<Organization>;

  @Enum({ items: () => ConversationType, nativeEnumName: 'chat_conversation_type' })
  type!: ConversationType;

  @Property({ type: 'text', nullable: true })
  title?: string | null;

  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  createdBy?: Rel<User> | null;

  @Property({ type: 'text', nullable: true })
  directKey?: string | null;

  /** Time of the newest message (null until the first one); the list's sort order. */
  @Property({ type: 'timestamptz', nullable: true })
  lastMessageAt?: Date | null;
}

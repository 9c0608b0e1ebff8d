import { Entity, EntityRepositoryType, Index, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { Organization } from 'src/modules/organizations/organization.entity';
import { User } from 'src/modules/users/user.entity';
import { NotificationRepository } from './notification.repository';

/** Notification types in use; `type` stays a plain string so a module can add its own without a migration. */
export enum NotificationType {
  /** Someone mentioned the user (`@username`) in a chat message. */
  ChatMention = 'chat.mention',
}

/**
 * One entry of a user's in-app notification list. Written inside the transaction of the change it reports
 * (`NotificationsService.notify`), pushed as `notification.created` on `/notifications` once that committed.
 * `data` carries the ids a client needs to open the subject (e.g. `conversationId`, `messageId`).
 */
@Entity({ tableName: 'notifications', repository: () => NotificationRepository })
@Index({
  name: 'notifications_user_id_created_at_id_index',
  expression:
    'create index "notifications_user_id_created_at_id_index" on "notifications" ("user_id", "created_at" desc, "id" desc)',
})
@Index({
  name: 'notifications_unread_index',
  expression:
    'create index "notifications_unread_index" on "notifications" ("user_id", "created_at" desc, "id" desc) where "read_at" is null',
})
export class Notification extends BaseEntity<'readAt' | 'organization' | 'data'> {
  [EntityRepositoryType]?: NotificationRepository;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: Rel<User>;

  /** The organization the subject belongs to; null for account-level notifications. */
  @ManyToOne(() => Organization, { nullable: true, deleteRule: 'cascade' })
  organization?: Rel<Organization> | null;

  @Property({ type: 'string', length: 64 })
  type!: string;

  @Property({ type: 'string', length: 200 })
  title!: string;

  @Property({ type: 'text' })
  body!: string;

  @Property({ type: 'jsonb' })
  data: Record<string, unknown> = {};

  @Property({ type: 'timestamptz', nullable: true })
  readAt?: Date | null;
}

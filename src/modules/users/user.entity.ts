import { Entity, Enum, Index, Property } from '@mikro-orm/core';
import { Role } from 'src/common/auth/auth-user';
import { BaseEntity } from 'src/database/base.entity';

@Entity({ tableName: 'users' })
@Index({ properties: ['role', 'createdAt'] })
@Index({ properties: ['createdAt', 'id'] })
@Index({ properties: ['deletionDueAt'] })
export class User extends BaseEntity<'role' | 'isActive' | 'timeZone' | 'locale'> {
  /** Lower-cased; null for guests until they upgrade. */
  @Property({ type: 'string', length: 320, nullable: true, unique: true })
  email?: string;

  /** Lower-cased, 3–32 of [a-z0-9._-]. */
  @Property({ type: 'string', length: 32, unique: true })
  username!: string;

  @Property({ type: 'string', length: 100, nullable: true })
  displayName?: string;

  /** argon2id; null for guests. */
  @Property({ type: 'string', length: 255, nullable: true, hidden: true, lazy: true })
  passwordHash?: string;

  @Enum({ items: () => Role, nativeEnumName: 'user_role' })
  role: Role = Role.User;

  @Property({ type: 'boolean' })
  isActive: boolean = true;

  @Property({ type: 'timestamptz', nullable: true })
  emailVerifiedAt?: Date;

  /** Sealed TOTP secret (AES-256-GCM); set at enrolment, active once `twoFactorEnabledAt` is set. */
  @Property({ type: 'text', nullable: true, hidden: true, lazy: true })
  twoFactorSecret?: string;

  @Property({ type: 'timestamptz', nullable: true })
  twoFactorEnabledAt?: Date;

  @Property({ type: 'timestamptz', nullable: true })
  lastLoginAt?: Date;

  /** IANA time zone, for dates shown and sent to the user (calendar, digests). */
  @Property({ type: 'string', length: 64, default: 'UTC' })
  timeZone: string = 'UTC';

  /** BCP 47 language tag. */
  @Property({ type: 'string', length: 35, default: 'en' })
  locale: string = 'en';

  /** Per-category channel choices; null means the defaults (see settings/notification-preferences.ts). */
  @Property({ type: 'jsonb', nullable: true })
  notificationPreferences?: Record<string, unknown>;

  /** Set while a requested account deletion waits out its grace period; cleared when cancelled. */
  @Property({ type: 'timestamptz', nullable: true })
  deletionDueAt?: Date;
}

import { Entity, Index, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { User } from 'src/modules/users/user.entity';

/** One login: a device's chain of rotated refresh tokens (the token family). Revoking it ends that device. */
@Entity({ tableName: 'sessions' })
@Index({ properties: ['user', 'revokedAt'] })
export class Session extends BaseEntity<'mfa' | 'lastSeenAt'> {
  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: Rel<User>;

  @Property({ type: 'string', length: 512, nullable: true })
  userAgent?: string;

  @Property({ type: 'string', length: 64, nullable: true })
  ip?: string;

  /** Passed a second factor at login. */
  @Property({ type: 'boolean' })
  mfa: boolean = false;

  @Property({ type: 'timestamptz' })
  lastSeenAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt?: Date;

  @Property({ type: 'string', length: 50, nullable: true })
  revokedReason?: string;
}

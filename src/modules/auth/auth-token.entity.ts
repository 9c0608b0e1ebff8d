import { Entity, Enum, Index, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { User } from 'src/modules/users/user.entity';

export enum AuthTokenPurpose {
  VerifyEmail = 'verify_email',
  ResetPassword = 'reset_password',
  UnlockAccount = 'unlock_account',
}

/** A single-use, expiring token sent by mail (verification, reset, unlock), stored as a SHA-256 hash. */
@Entity({ tableName: 'auth_tokens' })
@Index({ properties: ['user', 'purpose'] })
export class AuthToken extends BaseEntity {
  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: Rel<User>;

  @Enum({ items: () => AuthTokenPurpose, nativeEnumName: 'auth_token_purpose' })
  purpose!: AuthTokenPurpose;

  @Property({ type: 'string', length: 64, unique: true })
  tokenHash!: string;

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  usedAt?: Date;
}

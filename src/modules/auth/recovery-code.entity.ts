import { Entity, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { User } from 'src/modules/users/user.entity';

/** One of a user's ten single-use 2FA recovery codes, hashed. */
@Entity({ tableName: 'recovery_codes' })
export class RecoveryCode extends BaseEntity {
  @ManyToOne(() => User, { deleteRule: 'cascade', index: true })
  user!: Rel<User>;

  @Property({ type: 'string', length: 64, unique: true })
  codeHash!: string;

  @Property({ type: 'timestamptz', nullable: true })
  usedAt?: Date;
}

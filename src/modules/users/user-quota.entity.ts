import { Entity, ManyToOne, PrimaryKeyProp, Property, type Rel } from '@mikro-orm/core';
import { User } from './user.entity';

/** A numeric allowance of one user (guest imports, messages…); `used` only grows through QuotaService. */
@Entity({ tableName: 'user_quotas' })
export class UserQuota {
  [PrimaryKeyProp]?: ['user', 'key'];

  @ManyToOne(() => User, { primary: true, deleteRule: 'cascade' })
  user!: Rel<User>;

  @Property({ type: 'string', length: 50, primary: true })
  key!: string;

  @Property({ type: 'integer' })
  limit!: number;

  @Property({ type: 'integer' })
  used: number = 0;
}

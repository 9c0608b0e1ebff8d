import { Entity, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { Session } from './session.entity';

/** One refresh token of a session, stored as a SHA-256 hash. Used once; presenting it again revokes the session. */
@Entity({ tableName: 'refresh_tokens' })
export class RefreshToken extends BaseEntity {
  @ManyToOne(() => Session, { deleteRule: 'cascade', index: true })
  session!: Rel<Session>;

  @Property({ type: 'string', length: 64, unique: true })
  tokenHash!: string;

  @Property({ type: 'timestamptz', nullable: true })
  usedAt?: Date;
}

import { ArrayType, Entity, EntityRepositoryType, Index, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { ApiKeyRepository } from './api-key.repository';
import { Organization } from './organization.entity';

/** An organization's API key: `sbk_<prefix>_<secret>`, of which only the prefix and a SHA-256 hash are stored. */
@Entity({ tableName: 'api_keys', repository: () => ApiKeyRepository })
@Index({ properties: ['organization', 'revokedAt'] })
@Index({ properties: ['createdById'] })
export class ApiKey extends BaseEntity {
  [EntityRepositoryType]?: ApiKeyRepository;

  @ManyToOne(() => Organization, { deleteRule: 'cascade' })
  organization!: Rel<Organization>;

  @Property({ type: 'string', length: 100 })
  name!: string;

  /** Shown in lists so a key can be recognised; unique. */
  @Property({ type: 'string', length: 16, unique: true })
  prefix!: string;

  @Property({ type: 'string', length: 64, unique: true })
  secretHash!: string;

  /** Permissions the key carries (a subset of the organization permissions). */
  @Property({ type: ArrayType })
  scopes!: string[];

  @Property({ type: 'uuid' })
  createdById!: string;

  @Property({ type: 'timestamptz', nullable: true })
  expiresAt?: Date;

  @Property({ type: 'timestamptz', nullable: true })
  lastUsedAt?: Date;

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt?: Date;
}

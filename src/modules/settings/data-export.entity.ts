import { Entity, Enum, Index, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { User } from 'src/modules/users/user.entity';

export enum DataExportStatus {
  Pending = 'pending',
  Ready = 'ready',
  Failed = 'failed',
  Expired = 'expired',
}

/** A user's archive of their data (gzipped JSON in STORAGE_DIR), built by a job and downloadable until it expires. */
@Entity({ tableName: 'data_exports' })
@Index({ properties: ['user', 'createdAt'] })
@Index({ properties: ['status', 'expiresAt'] })
export class DataExport extends BaseEntity<'status'> {
  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: Rel<User>;

  @Enum({ items: () => DataExportStatus, nativeEnumName: 'data_export_status' })
  status: DataExportStatus = DataExportStatus.Pending;

  /** Relative to STORAGE_DIR. */
  @Property({ type: 'string', length: 200, nullable: true })
  path?: string;

  @Property({ type: 'bigint', nullable: true })
  sizeBytes?: string;

  @Property({ type: 'string', length: 64, nullable: true })
  sha256?: string;

  @Property({ type: 'timestamptz', nullable: true })
  readyAt?: Date;

  @Property({ type: 'timestamptz', nullable: true })
  expiresAt?: Date;

  @Property({ type: 'string', length: 500, nullable: true })
  error?: string;
}

import { Entity, Index, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { User } from 'src/modules/users/user.entity';
import { MailAccount } from './mail-account.entity';

/**
 * A file uploaded to attach to outgoing mail of one account (`POST /mail/accounts/{id}/uploads`). The bytes live in
 * `STORAGE_DIR/mail-uploads/<account>/<id>`; a send or draft references the upload by id.
 */
@Entity({ tableName: 'mail_uploads' })
@Index({ properties: ['account', 'createdAt'] })
export class MailUpload extends BaseEntity {
  @ManyToOne(() => MailAccount, { deleteRule: 'cascade' })
  account!: Rel<MailAccount>;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: Rel<User>;

  @Property({ type: 'string', length: 255 })
  filename!: string;

  @Property({ type: 'string', length: 255 })
  contentType!: string;

  @Property({ type: 'integer' })
  size!: number;

  /** Hex SHA-256 of the bytes, computed while they streamed to disk. */
  @Property({ type: 'string', length: 64 })
  sha256!: string;
}

import { Migration } from '@mikro-orm/migrations';

export class Migration20261123204906_chat_attachment_position extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "chat_attachments" add column "position" smallint null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "chat_attachments" drop column "position";`);
  }

}

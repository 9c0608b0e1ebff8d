import { Migration } from '@mikro-orm/migrations';

export class Migration20261206051636_chat_import_date_order extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "chat_imports" add column "date_order" jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "chat_imports" drop column "date_order";`);
  }

}

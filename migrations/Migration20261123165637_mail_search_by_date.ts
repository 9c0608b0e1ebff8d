import { Migration } from '@mikro-orm/migrations';

export class Migration20261123165637_mail_search_by_date extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create index "mail_messages_account_id_internal_date_index" on "mail_messages" ("account_id", "internal_date");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "mail_messages_account_id_internal_date_index";`);
  }

}

import { Migration } from '@mikro-orm/migrations';

export class Migration20261207163025_users_by_creation extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create index "users_created_at_id_index" on "users" ("created_at", "id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "users_created_at_id_index";`);
  }

}

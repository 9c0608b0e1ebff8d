import { Migration } from '@mikro-orm/migrations';

export class Migration20261206052012_api_key_standing extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "organizations" add column "ip_allowlist" text[] not null default '{}', add column "ip_allowlist_applies_to_members" boolean not null default false;`);

    this.addSql(`create index "api_keys_created_by_id_index" on "api_keys" ("created_by_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "api_keys_created_by_id_index";`);

    this.addSql(`alter table "organizations" drop column "ip_allowlist", drop column "ip_allowlist_applies_to_members";`);
  }

}

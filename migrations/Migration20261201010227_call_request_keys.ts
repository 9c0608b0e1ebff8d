import { Migration } from '@mikro-orm/migrations';

export class Migration20261201010227_call_request_keys extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "calls" add column "request_key" text null;`);
    this.addSql(`alter table "calls" add constraint "calls_organization_id_created_by_id_request_key_unique" unique ("organization_id", "created_by_id", "request_key");`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "calls" drop constraint "calls_organization_id_created_by_id_request_key_unique";`);
    this.addSql(`alter table "calls" drop column "request_key";`);
  }

}

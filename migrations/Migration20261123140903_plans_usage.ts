import { Migration } from '@mikro-orm/migrations';

export class Migration20261123140903_plans_usage extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "org_usage" ("organization_id" uuid not null, "key" varchar(50) not null, "period" varchar(10) not null, "used" bigint not null default 0, constraint "org_usage_pkey" primary key ("organization_id", "key", "period"));`);

    this.addSql(`alter table "org_usage" add constraint "org_usage_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "org_usage" cascade;`);
  }

}

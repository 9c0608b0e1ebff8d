import { Migration } from '@mikro-orm/migrations';

export class Migration20261123191509_notifications extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "notifications" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "user_id" uuid not null, "organization_id" uuid null, "type" varchar(64) not null, "title" varchar(200) not null, "body" text not null, "data" jsonb not null, "read_at" timestamptz null, constraint "notifications_pkey" primary key ("id"));`);
    this.addSql(`create index "notifications_unread_index" on "notifications" ("user_id", "created_at" desc, "id" desc) where "read_at" is null;`);
    this.addSql(`create index "notifications_user_id_created_at_id_index" on "notifications" ("user_id", "created_at" desc, "id" desc);`);

    this.addSql(`alter table "notifications" add constraint "notifications_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "notifications" add constraint "notifications_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "chat_messages" add column "mentions" uuid[] not null default '{}';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "notifications" cascade;`);

    this.addSql(`alter table "chat_messages" drop column "mentions";`);
  }

}

import { Migration } from '@mikro-orm/migrations';

export class Migration20261123150441_settings extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "data_export_status" as enum ('pending', 'ready', 'failed', 'expired');`);
    this.addSql(`create table "data_exports" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "user_id" uuid not null, "status" "data_export_status" not null default 'pending', "path" varchar(200) null, "size_bytes" bigint null, "sha256" varchar(64) null, "ready_at" timestamptz null, "expires_at" timestamptz null, "error" varchar(500) null, constraint "data_exports_pkey" primary key ("id"));`);
    this.addSql(`create index "data_exports_status_expires_at_index" on "data_exports" ("status", "expires_at");`);
    this.addSql(`create index "data_exports_user_id_created_at_index" on "data_exports" ("user_id", "created_at");`);

    this.addSql(`alter table "data_exports" add constraint "data_exports_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter type "audit_event_type" add value if not exists 'settings.data_export_requested' after 'admin.role_changed';`);

    this.addSql(`alter type "audit_event_type" add value if not exists 'settings.account_deletion_requested' after 'settings.data_export_requested';`);

    this.addSql(`alter type "audit_event_type" add value if not exists 'settings.account_deletion_cancelled' after 'settings.account_deletion_requested';`);

    this.addSql(`alter type "audit_event_type" add value if not exists 'settings.account_deleted' after 'settings.account_deletion_cancelled';`);

    this.addSql(`alter table "users" add column "time_zone" varchar(64) not null default 'UTC', add column "locale" varchar(35) not null default 'en', add column "notification_preferences" jsonb null, add column "deletion_due_at" timestamptz null;`);
    this.addSql(`create index "users_deletion_due_at_index" on "users" ("deletion_due_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "data_exports" cascade;`);

    this.addSql(`drop index "users_deletion_due_at_index";`);
    this.addSql(`alter table "users" drop column "time_zone", drop column "locale", drop column "notification_preferences", drop column "deletion_due_at";`);

    this.addSql(`drop type "data_export_status";`);
  }

}

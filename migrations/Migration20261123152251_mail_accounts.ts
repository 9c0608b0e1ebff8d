import { Migration } from '@mikro-orm/migrations';

export class Migration20261123152251_mail_accounts extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "mail_security" as enum ('tls', 'starttls', 'none');`);
    this.addSql(`create type "mail_sync_state" as enum ('pending', 'connecting', 'syncing', 'idle', 'paused', 'auth_error', 'connect_error');`);
    this.addSql(`create table "mail_accounts" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "organization_id" uuid not null, "user_id" uuid not null, "email" varchar(320) not null, "name" varchar(200) null, "imap_host" varchar(255) not null, "imap_port" int not null, "imap_security" "mail_security" not null, "imap_user" varchar(320) not null, "imap_password_sealed" text not null, "smtp_host" varchar(255) not null, "smtp_port" int not null, "smtp_security" "mail_security" not null, "smtp_user" varchar(320) not null, "smtp_password_sealed" text not null, "paused" boolean not null default false, "sync_state" "mail_sync_state" not null default 'pending', "last_error" varchar(1000) null, "last_error_at" timestamptz null, "last_synced_at" timestamptz null, constraint "mail_accounts_pkey" primary key ("id"));`);
    this.addSql(`create index "mail_accounts_sync_state_index" on "mail_accounts" ("sync_state");`);
    this.addSql(`create index "mail_accounts_organization_id_user_id_created_at_index" on "mail_accounts" ("organization_id", "user_id", "created_at");`);
    this.addSql(`alter table "mail_accounts" add constraint "mail_accounts_organization_id_user_id_email_unique" unique ("organization_id", "user_id", "email");`);

    this.addSql(`alter table "mail_accounts" add constraint "mail_accounts_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "mail_accounts" add constraint "mail_accounts_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "mail_accounts" cascade;`);

    this.addSql(`drop type "mail_security";`);
    this.addSql(`drop type "mail_sync_state";`);
  }

}

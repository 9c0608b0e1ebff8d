import { Migration } from '@mikro-orm/migrations';

export class Migration20261123165134_mail_send extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "mail_submission_status" as enum ('draft', 'queued', 'scheduled', 'sending', 'sent', 'failed', 'cancelled');`);
    this.addSql(`create type "mail_reference_mode" as enum ('reply', 'reply_all', 'forward');`);
    this.addSql(`create type "mail_sent_copy_state" as enum ('appending', 'appended', 'skipped', 'no_folder', 'failed');`);
    this.addSql(`create table "mail_uploads" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "account_id" uuid not null, "user_id" uuid not null, "filename" varchar(255) not null, "content_type" varchar(255) not null, "size" int not null, "sha256" varchar(64) not null, constraint "mail_uploads_pkey" primary key ("id"));`);
    this.addSql(`create index "mail_uploads_account_id_created_at_index" on "mail_uploads" ("account_id", "created_at");`);

    this.addSql(`create table "mail_submissions" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "organization_id" uuid not null, "account_id" uuid not null, "user_id" uuid not null, "status" "mail_submission_status" not null default 'queued', "idempotency_key" varchar(255) null, "request_hash" varchar(64) null, "content" jsonb not null, "reference_mode" "mail_reference_mode" null, "message_id" text not null, "copy_to_sent" boolean not null default true, "send_at" timestamptz null, "raw" bytea null, "attempts" int not null default 0, "smtp_accepted_at" timestamptz null, "smtp_response" text null, "sent_copy" "mail_sent_copy_state" null, "sent_at" timestamptz null, "error" varchar(1000) null, "draft_path" text null, "draft_uid_validity" bigint null, "draft_uid" bigint null, constraint "mail_submissions_pkey" primary key ("id"));`);
    this.addSql(`create index "mail_submissions_account_id_created_at_index" on "mail_submissions" ("account_id", "created_at");`);
    this.addSql(`alter table "mail_submissions" add constraint "mail_submissions_account_id_idempotency_key_unique" unique ("account_id", "idempotency_key");`);

    this.addSql(`alter table "mail_uploads" add constraint "mail_uploads_account_id_foreign" foreign key ("account_id") references "mail_accounts" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "mail_uploads" add constraint "mail_uploads_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "mail_submissions" add constraint "mail_submissions_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "mail_submissions" add constraint "mail_submissions_account_id_foreign" foreign key ("account_id") references "mail_accounts" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "mail_submissions" add constraint "mail_submissions_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "mail_uploads" cascade;`);

    this.addSql(`drop table if exists "mail_submissions" cascade;`);

    this.addSql(`drop type "mail_submission_status";`);
    this.addSql(`drop type "mail_reference_mode";`);
    this.addSql(`drop type "mail_sent_copy_state";`);
  }

}

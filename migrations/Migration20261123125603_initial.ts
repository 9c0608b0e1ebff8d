import { Migration } from '@mikro-orm/migrations';

export class Migration20261123125603_initial extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "system_mail_status" as enum ('queued', 'sent', 'failed');`);
    this.addSql(`create table "system_mails" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "to" varchar(320) not null, "subject" varchar(998) not null, "template" varchar(100) not null, "status" "system_mail_status" not null default 'queued', "idempotency_key" varchar(200) null, "attempts" int not null default 0, "message_id" varchar(998) null, "last_error" text null, "sent_at" timestamptz null, constraint "system_mails_pkey" primary key ("id"));`);
    this.addSql(`alter table "system_mails" add constraint "system_mails_idempotency_key_unique" unique ("idempotency_key");`);
    this.addSql(`create index "system_mails_status_created_at_index" on "system_mails" ("status", "created_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "system_mails" cascade;`);

    this.addSql(`drop type "system_mail_status";`);
  }

}

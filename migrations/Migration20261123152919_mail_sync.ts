import { Migration } from '@mikro-orm/migrations';

export class Migration20261123152919_mail_sync extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "mail_folder_role" as enum ('inbox', 'sent', 'drafts', 'trash', 'junk', 'archive', 'all', 'flagged');`);
    this.addSql(`create table "mail_folders" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "account_id" uuid not null, "path" text not null, "name" varchar(255) not null, "delimiter" varchar(8) null, "role" "mail_folder_role" null, "uid_validity" bigint null, "uid_next" bigint null, "highest_modseq" bigint null, "total" int not null default 0, "unseen" int not null default 0, "last_synced_at" timestamptz null, constraint "mail_folders_pkey" primary key ("id"));`);
    this.addSql(`alter table "mail_folders" add constraint "mail_folders_account_id_path_unique" unique ("account_id", "path");`);

    this.addSql(`create table "mail_messages" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "account_id" uuid not null, "folder_id" uuid not null, "uid_validity" bigint not null, "uid" bigint not null, "modseq" bigint null, "flags" text[] not null, "seen" boolean not null default false, "flagged" boolean not null default false, "answered" boolean not null default false, "draft" boolean not null default false, "message_id" text null, "in_reply_to" text null, "reference_ids" text[] not null, "thread_id" text null, "subject" text null, "from_address" jsonb null, "to_addresses" jsonb not null, "cc_addresses" jsonb not null, "reply_to_addresses" jsonb not null, "sent_at" timestamptz null, "internal_date" timestamptz not null, "size" int not null, "preview" varchar(300) not null, "text_body" text null, "html_body" text null, "has_attachments" boolean not null, "attachments" jsonb not null, "search" tsvector generated always as ((setweight(to_tsvector('simple'::regconfig, COALESCE(subject, ''::text)), 'A'::"char") || setweight(to_tsvector('simple'::regconfig, ((((COALESCE((from_address ->> 'name'::text), ''::text) || ' '::text) || COALESCE((from_address ->> 'address'::text), ''::text)) || ' '::text) || (to_addresses)::text)), 'B'::"char")) || setweight(to_tsvector('simple'::regconfig, "left"(COALESCE(text_body, ''::text), 100000)), 'C'::"char")) stored null, constraint "mail_messages_pkey" primary key ("id"));`);
    this.addSql(`create index "mail_messages_search_index" on "public"."mail_messages" using gin("search");`);
    this.addSql(`create index "mail_messages_account_id_thread_id_index" on "mail_messages" ("account_id", "thread_id");`);
    this.addSql(`create index "mail_messages_account_id_message_id_index" on "mail_messages" ("account_id", "message_id");`);
    this.addSql(`create index "mail_messages_folder_id_internal_date_index" on "mail_messages" ("folder_id", "internal_date");`);
    this.addSql(`alter table "mail_messages" add constraint "mail_messages_folder_id_uid_validity_uid_unique" unique ("folder_id", "uid_validity", "uid");`);

    this.addSql(`alter table "mail_folders" add constraint "mail_folders_account_id_foreign" foreign key ("account_id") references "mail_accounts" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "mail_messages" add constraint "mail_messages_account_id_foreign" foreign key ("account_id") references "mail_accounts" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "mail_messages" add constraint "mail_messages_folder_id_foreign" foreign key ("folder_id") references "mail_folders" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "mail_messages" drop constraint "mail_messages_folder_id_foreign";`);

    this.addSql(`drop table if exists "mail_folders" cascade;`);

    this.addSql(`drop table if exists "mail_messages" cascade;`);

    this.addSql(`drop type "mail_folder_role";`);
  }

}

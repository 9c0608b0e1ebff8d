import { Migration } from '@mikro-orm/migrations';

export class Migration20261123192346_chat_imports extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "chat_message_kind" as enum ('text', 'system', 'media', 'deleted');`);
    this.addSql(`create type "chat_import_platform" as enum ('whatsapp', 'telegram');`);
    this.addSql(`create type "chat_import_status" as enum ('queued', 'running', 'completed', 'failed');`);
    this.addSql(`create table "chat_imports" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "organization_id" uuid not null, "user_id" uuid not null, "platform" "chat_import_platform" not null, "status" "chat_import_status" not null default 'queued', "title" text null, "filename" varchar(255) not null, "size" bigint not null, "sha256" varchar(64) not null, "path" text null, "options" jsonb not null, "processed" int not null default 0, "total" int null, "quota_messages" int not null default 0, "quota_import" boolean not null default false, "conversation_id" uuid null, "error" jsonb null, "started_at" timestamptz null, "finished_at" timestamptz null, constraint "chat_imports_pkey" primary key ("id"));`);
    this.addSql(`create index "chat_imports_user_id_created_at_index" on "chat_imports" ("user_id", "created_at");`);

    this.addSql(`alter table "chat_imports" add constraint "chat_imports_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "chat_imports" add constraint "chat_imports_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "chat_imports" add constraint "chat_imports_conversation_id_foreign" foreign key ("conversation_id") references "chat_conversations" ("id") on update cascade on delete set null;`);

    this.addSql(`alter type "chat_conversation_type" add value if not exists 'imported' after 'group';`);

    this.addSql(`alter table "chat_messages" add column "kind" "chat_message_kind" not null default 'text', add column "author_name" text null, add column "media" jsonb null, add column "import_seq" int null;`);
    this.addSql(`create index "chat_messages_reply_to_id_index" on "chat_messages" ("reply_to_id");`);
    this.addSql(`alter table "chat_messages" add constraint "chat_messages_conversation_id_import_seq_unique" unique ("conversation_id", "import_seq");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "chat_imports" cascade;`);

    this.addSql(`drop index "chat_messages_reply_to_id_index";`);
    this.addSql(`alter table "chat_messages" drop constraint "chat_messages_conversation_id_import_seq_unique";`);
    this.addSql(`alter table "chat_messages" drop column "kind", drop column "author_name", drop column "media", drop column "import_seq";`);

    this.addSql(`drop type "chat_message_kind";`);
    this.addSql(`drop type "chat_import_platform";`);
    this.addSql(`drop type "chat_import_status";`);
  }

}

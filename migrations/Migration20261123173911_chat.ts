import { Migration } from '@mikro-orm/migrations';

export class Migration20261123173911_chat extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "chat_conversation_type" as enum ('direct', 'group');`);
    this.addSql(`create type "chat_member_role" as enum ('admin', 'member');`);
    this.addSql(`create table "chat_conversations" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "organization_id" uuid not null, "type" "chat_conversation_type" not null, "title" text null, "created_by_id" uuid null, "direct_key" text null, "last_message_at" timestamptz null, constraint "chat_conversations_pkey" primary key ("id"));`);
    this.addSql(`create index "chat_conversations_organization_id_last_message_at_index" on "chat_conversations" ("organization_id", "last_message_at");`);
    this.addSql(`alter table "chat_conversations" add constraint "chat_conversations_organization_id_direct_key_unique" unique ("organization_id", "direct_key");`);

    this.addSql(`create table "chat_conversation_members" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "conversation_id" uuid not null, "user_id" uuid not null, "role" "chat_member_role" not null default 'member', "last_read_message_id" uuid null, "last_read_at" timestamptz null, "muted" boolean not null default false, "archived" boolean not null default false, "joined_at" timestamptz not null, constraint "chat_conversation_members_pkey" primary key ("id"));`);
    this.addSql(`create index "chat_conversation_members_user_id_index" on "chat_conversation_members" ("user_id");`);
    this.addSql(`alter table "chat_conversation_members" add constraint "chat_conversation_members_conversation_id_user_id_unique" unique ("conversation_id", "user_id");`);

    this.addSql(`create table "chat_messages" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "conversation_id" uuid not null, "author_id" uuid null, "body" text not null, "reply_to_id" uuid null, "edited_at" timestamptz null, "deleted_at" timestamptz null, "client_message_id" text null, "search" tsvector generated always as (to_tsvector('simple'::regconfig, body)) stored null, constraint "chat_messages_pkey" primary key ("id"));`);
    this.addSql(`create index "chat_messages_search_index" on "public"."chat_messages" using gin("search");`);
    this.addSql(`create index "chat_messages_conversation_id_created_at_id_index" on "chat_messages" ("conversation_id", "created_at", "id");`);
    this.addSql(`alter table "chat_messages" add constraint "chat_messages_conversation_id_author_id_client_me_da315_unique" unique ("conversation_id", "author_id", "client_message_id");`);

    this.addSql(`alter table "chat_conversations" add constraint "chat_conversations_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "chat_conversations" add constraint "chat_conversations_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "chat_conversation_members" add constraint "chat_conversation_members_conversation_id_foreign" foreign key ("conversation_id") references "chat_conversations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "chat_conversation_members" add constraint "chat_conversation_members_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "chat_messages" add constraint "chat_messages_conversation_id_foreign" foreign key ("conversation_id") references "chat_conversations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "chat_messages" add constraint "chat_messages_author_id_foreign" foreign key ("author_id") references "users" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "chat_messages" add constraint "chat_messages_reply_to_id_foreign" foreign key ("reply_to_id") references "chat_messages" ("id") on update cascade on delete set null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "chat_conversation_members" drop constraint "chat_conversation_members_conversation_id_foreign";`);

    this.addSql(`alter table "chat_messages" drop constraint "chat_messages_conversation_id_foreign";`);

    this.addSql(`alter table "chat_messages" drop constraint "chat_messages_reply_to_id_foreign";`);

    this.addSql(`drop table if exists "chat_conversations" cascade;`);

    this.addSql(`drop table if exists "chat_conversation_members" cascade;`);

    this.addSql(`drop table if exists "chat_messages" cascade;`);

    this.addSql(`drop type "chat_conversation_type";`);
    this.addSql(`drop type "chat_member_role";`);
  }

}

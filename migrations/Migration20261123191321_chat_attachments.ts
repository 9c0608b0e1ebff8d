import { Migration } from '@mikro-orm/migrations';

export class Migration20261123191321_chat_attachments extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "chat_attachments" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "conversation_id" uuid not null, "uploader_id" uuid not null, "message_id" uuid null, "filename" varchar(255) not null, "content_type" varchar(255) not null, "size" int not null, "sha256" varchar(64) not null, constraint "chat_attachments_pkey" primary key ("id"));`);
    this.addSql(`create index "chat_attachments_conversation_id_uploader_id_index" on "chat_attachments" ("conversation_id", "uploader_id");`);
    this.addSql(`create index "chat_attachments_message_id_index" on "chat_attachments" ("message_id");`);

    this.addSql(`alter table "chat_attachments" add constraint "chat_attachments_conversation_id_foreign" foreign key ("conversation_id") references "chat_conversations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "chat_attachments" add constraint "chat_attachments_uploader_id_foreign" foreign key ("uploader_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "chat_attachments" add constraint "chat_attachments_message_id_foreign" foreign key ("message_id") references "chat_messages" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "chat_attachments" cascade;`);
  }

}

import { Migration } from '@mikro-orm/migrations';

export class Migration20261130235618_calls extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "call_direction" as enum ('inbound', 'outbound', 'internal');`);
    this.addSql(`create type "call_status" as enum ('scheduled', 'ringing', 'in_progress', 'completed', 'missed', 'failed', 'cancelled');`);
    this.addSql(`create table "calls" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "organization_id" uuid not null, "created_by_id" uuid not null, "direction" "call_direction" not null, "status" "call_status" not null default 'in_progress', "phone_number" text null, "subject" text null, "scheduled_at" timestamptz null, "started_at" timestamptz null, "ended_at" timestamptz null, "duration_seconds" int null, "transcript" text null, "recording_url" text null, "notes" text null, "meeting_id" uuid null, "owns_meeting" boolean not null default false, constraint "calls_pkey" primary key ("id"));`);
    this.addSql(`create index "calls_organization_id_scheduled_at_index" on "calls" ("organization_id", "scheduled_at");`);
    this.addSql(`create index "calls_organization_id_started_at_index" on "calls" ("organization_id", "started_at");`);
    this.addSql(`create index "calls_organization_id_created_at_index" on "calls" ("organization_id", "created_at");`);

    this.addSql(`create table "call_participants" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "call_id" uuid not null, "user_id" uuid not null, constraint "call_participants_pkey" primary key ("id"));`);
    this.addSql(`create index "call_participants_user_id_index" on "call_participants" ("user_id");`);
    this.addSql(`alter table "call_participants" add constraint "call_participants_call_id_user_id_unique" unique ("call_id", "user_id");`);

    this.addSql(`create table "call_feedback" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "call_id" uuid not null, "user_id" uuid not null, "rating" smallint not null, "comment" text null, constraint "call_feedback_pkey" primary key ("id"));`);
    this.addSql(`alter table "call_feedback" add constraint "call_feedback_call_id_user_id_unique" unique ("call_id", "user_id");`);

    this.addSql(`alter table "calls" add constraint "calls_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "calls" add constraint "calls_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "calls" add constraint "calls_meeting_id_foreign" foreign key ("meeting_id") references "meetings" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "call_participants" add constraint "call_participants_call_id_foreign" foreign key ("call_id") references "calls" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "call_participants" add constraint "call_participants_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "call_feedback" add constraint "call_feedback_call_id_foreign" foreign key ("call_id") references "calls" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "call_feedback" add constraint "call_feedback_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "call_participants" drop constraint "call_participants_call_id_foreign";`);

    this.addSql(`alter table "call_feedback" drop constraint "call_feedback_call_id_foreign";`);

    this.addSql(`drop table if exists "calls" cascade;`);

    this.addSql(`drop table if exists "call_participants" cascade;`);

    this.addSql(`drop table if exists "call_feedback" cascade;`);

    this.addSql(`drop type "call_direction";`);
    this.addSql(`drop type "call_status";`);
  }

}

import { Migration } from '@mikro-orm/migrations';

export class Migration20261123202014_meetings extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "meeting_status" as enum ('scheduled', 'live', 'ended', 'cancelled');`);
    this.addSql(`create table "meetings" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "organization_id" uuid not null, "title" text not null, "description" text null, "host_id" uuid not null, "scheduled_start" timestamptz null, "scheduled_end" timestamptz null, "status" "meeting_status" not null default 'scheduled', "settings" jsonb not null, "started_at" timestamptz null, "ended_at" timestamptz null, constraint "meetings_pkey" primary key ("id"));`);
    this.addSql(`create index "meetings_organization_id_scheduled_start_index" on "meetings" ("organization_id", "scheduled_start");`);
    this.addSql(`create index "meetings_organization_id_created_at_index" on "meetings" ("organization_id", "created_at");`);

    this.addSql(`create table "meeting_participants" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "meeting_id" uuid not null, "user_id" uuid null, "guest_name" text null, "joined_at" timestamptz not null, "left_at" timestamptz null, "duration_seconds" int null, constraint "meeting_participants_pkey" primary key ("id"));`);
    this.addSql(`create index "meeting_participants_meeting_id_joined_at_index" on "meeting_participants" ("meeting_id", "joined_at");`);

    this.addSql(`create table "meeting_invitees" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "meeting_id" uuid not null, "user_id" uuid null, "email" text null, constraint "meeting_invitees_pkey" primary key ("id"));`);
    this.addSql(`create index "meeting_invitees_user_id_index" on "meeting_invitees" ("user_id");`);
    this.addSql(`alter table "meeting_invitees" add constraint "meeting_invitees_meeting_id_email_unique" unique ("meeting_id", "email");`);
    this.addSql(`alter table "meeting_invitees" add constraint "meeting_invitees_meeting_id_user_id_unique" unique ("meeting_id", "user_id");`);

    this.addSql(`alter table "meetings" add constraint "meetings_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "meetings" add constraint "meetings_host_id_foreign" foreign key ("host_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "meeting_participants" add constraint "meeting_participants_meeting_id_foreign" foreign key ("meeting_id") references "meetings" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "meeting_participants" add constraint "meeting_participants_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "meeting_invitees" add constraint "meeting_invitees_meeting_id_foreign" foreign key ("meeting_id") references "meetings" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "meeting_invitees" add constraint "meeting_invitees_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "meeting_participants" drop constraint "meeting_participants_meeting_id_foreign";`);

    this.addSql(`alter table "meeting_invitees" drop constraint "meeting_invitees_meeting_id_foreign";`);

    this.addSql(`drop table if exists "meetings" cascade;`);

    this.addSql(`drop table if exists "meeting_participants" cascade;`);

    this.addSql(`drop table if exists "meeting_invitees" cascade;`);

    this.addSql(`drop type "meeting_status";`);
  }

}

import { Migration } from '@mikro-orm/migrations';

export class Migration20261201001253_meeting_recordings extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "meeting_recording_status" as enum ('recording', 'completed', 'failed');`);
    this.addSql(`create table "meeting_recordings" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "meeting_id" uuid not null, "started_by_id" uuid null, "status" "meeting_recording_status" not null default 'recording', "started_at" timestamptz not null, "ended_at" timestamptz null, "tracks" jsonb not null, "error" text null, constraint "meeting_recordings_pkey" primary key ("id"));`);
    this.addSql(`create index "meeting_recordings_meeting_id_started_at_index" on "meeting_recordings" ("meeting_id", "started_at");`);

    this.addSql(`alter table "meeting_recordings" add constraint "meeting_recordings_meeting_id_foreign" foreign key ("meeting_id") references "meetings" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "meeting_recordings" add constraint "meeting_recordings_started_by_id_foreign" foreign key ("started_by_id") references "users" ("id") on update cascade on delete set null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "meeting_recordings" cascade;`);

    this.addSql(`drop type "meeting_recording_status";`);
  }

}

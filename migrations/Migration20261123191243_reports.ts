import { Migration } from '@mikro-orm/migrations';

export class Migration20261123191243_reports extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "report_type" as enum ('message', 'user', 'bug');`);
    this.addSql(`create type "report_reason" as enum ('spam', 'abuse', 'harassment', 'hate_speech', 'inappropriate', 'impersonation', 'other');`);
    this.addSql(`create type "report_status" as enum ('open', 'in_review', 'resolved', 'dismissed', 'withdrawn');`);
    this.addSql(`create type "report_event_kind" as enum ('created', 'edited', 'comment', 'status_changed');`);
    this.addSql(`create table "reports" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "reporter_id" uuid not null, "type" "report_type" not null, "reason" "report_reason" null, "title" text null, "description" text null, "status" "report_status" not null default 'open', "status_changed_at" timestamptz not null, "organization_id" uuid null, "target_message_id" uuid null, "target_user_id" uuid null, "message_snapshot" jsonb null, "resolution" text null, "closed_by_id" uuid null, "closed_at" timestamptz null, "active_key" text null, constraint "reports_pkey" primary key ("id"));`);
    this.addSql(`alter table "reports" add constraint "reports_active_key_unique" unique ("active_key");`);
    this.addSql(`create index "reports_target_user_id_created_at_index" on "reports" ("target_user_id", "created_at");`);
    this.addSql(`create index "reports_organization_id_created_at_index" on "reports" ("organization_id", "created_at");`);
    this.addSql(`create index "reports_status_created_at_id_index" on "reports" ("status", "created_at", "id");`);
    this.addSql(`create index "reports_reporter_id_created_at_id_index" on "reports" ("reporter_id", "created_at", "id");`);

    this.addSql(`create table "report_events" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "report_id" uuid not null, "actor_id" uuid null, "kind" "report_event_kind" not null, "from_status" "report_status" null, "to_status" "report_status" null, "body" text null, "visible_to_reporter" boolean not null default false, constraint "report_events_pkey" primary key ("id"));`);
    this.addSql(`create index "report_events_report_id_created_at_index" on "report_events" ("report_id", "created_at");`);

    this.addSql(`alter table "reports" add constraint "reports_reporter_id_foreign" foreign key ("reporter_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "reports" add constraint "reports_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "reports" add constraint "reports_target_user_id_foreign" foreign key ("target_user_id") references "users" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "reports" add constraint "reports_closed_by_id_foreign" foreign key ("closed_by_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "report_events" add constraint "report_events_report_id_foreign" foreign key ("report_id") references "reports" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "report_events" add constraint "report_events_actor_id_foreign" foreign key ("actor_id") references "users" ("id") on update cascade on delete set null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "report_events" drop constraint "report_events_report_id_foreign";`);

    this.addSql(`drop table if exists "reports" cascade;`);

    this.addSql(`drop table if exists "report_events" cascade;`);

    this.addSql(`drop type "report_type";`);
    this.addSql(`drop type "report_reason";`);
    this.addSql(`drop type "report_status";`);
    this.addSql(`drop type "report_event_kind";`);
  }

}

import { Migration } from '@mikro-orm/migrations';

export class Migration20261123145259_webhooks extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "webhook_delivery_status" as enum ('pending', 'succeeded', 'failed');`);
    this.addSql(`create type "webhook_attempt_trigger" as enum ('scheduled', 'manual');`);
    this.addSql(`create table "webhook_endpoints" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "organization_id" uuid not null, "url" text not null, "description" varchar(500) null, "event_types" text[] not null, "secret_sealed" text not null, "created_by_id" uuid not null, "disabled_at" timestamptz null, "disabled_reason" varchar(200) null, "failing_since" timestamptz null, "consecutive_failures" int not null default 0, constraint "webhook_endpoints_pkey" primary key ("id"));`);
    this.addSql(`create index "webhook_endpoints_organization_id_created_at_index" on "webhook_endpoints" ("organization_id", "created_at");`);

    this.addSql(`create table "webhook_messages" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "organization_id" uuid not null, "event_type" varchar(100) not null, "body" text not null, constraint "webhook_messages_pkey" primary key ("id"));`);
    this.addSql(`create index "webhook_messages_organization_id_created_at_index" on "webhook_messages" ("organization_id", "created_at");`);

    this.addSql(`create table "webhook_deliveries" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "organization_id" uuid not null, "endpoint_id" uuid not null, "message_id" uuid not null, "status" "webhook_delivery_status" not null default 'pending', "attempts" int not null default 0, "next_attempt_at" timestamptz null, "last_attempt_at" timestamptz null, "last_response_status" int null, constraint "webhook_deliveries_pkey" primary key ("id"));`);
    this.addSql(`create index "webhook_deliveries_status_next_attempt_at_index" on "webhook_deliveries" ("status", "next_attempt_at");`);
    this.addSql(`create index "webhook_deliveries_endpoint_id_created_at_index" on "webhook_deliveries" ("endpoint_id", "created_at");`);
    this.addSql(`alter table "webhook_deliveries" add constraint "webhook_deliveries_message_id_endpoint_id_unique" unique ("message_id", "endpoint_id");`);

    this.addSql(`create table "webhook_attempts" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "delivery_id" uuid not null, "trigger" "webhook_attempt_trigger" not null, "schedule_index" int null, "succeeded" boolean not null, "response_status" int null, "latency_ms" int not null, "response_excerpt" text null, "error" varchar(500) null, constraint "webhook_attempts_pkey" primary key ("id"));`);
    this.addSql(`create index "webhook_attempts_delivery_id_created_at_index" on "webhook_attempts" ("delivery_id", "created_at");`);
    this.addSql(`alter table "webhook_attempts" add constraint "webhook_attempts_delivery_id_schedule_index_unique" unique ("delivery_id", "schedule_index");`);

    this.addSql(`alter table "webhook_endpoints" add constraint "webhook_endpoints_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "webhook_messages" add constraint "webhook_messages_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "webhook_deliveries" add constraint "webhook_deliveries_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "webhook_deliveries" add constraint "webhook_deliveries_endpoint_id_foreign" foreign key ("endpoint_id") references "webhook_endpoints" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "webhook_deliveries" add constraint "webhook_deliveries_message_id_foreign" foreign key ("message_id") references "webhook_messages" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "webhook_attempts" add constraint "webhook_attempts_delivery_id_foreign" foreign key ("delivery_id") references "webhook_deliveries" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "webhook_deliveries" drop constraint "webhook_deliveries_endpoint_id_foreign";`);

    this.addSql(`alter table "webhook_deliveries" drop constraint "webhook_deliveries_message_id_foreign";`);

    this.addSql(`alter table "webhook_attempts" drop constraint "webhook_attempts_delivery_id_foreign";`);

    this.addSql(`drop table if exists "webhook_endpoints" cascade;`);

    this.addSql(`drop table if exists "webhook_messages" cascade;`);

    this.addSql(`drop table if exists "webhook_deliveries" cascade;`);

    this.addSql(`drop table if exists "webhook_attempts" cascade;`);

    this.addSql(`drop type "webhook_delivery_status";`);
    this.addSql(`drop type "webhook_attempt_trigger";`);
  }

}

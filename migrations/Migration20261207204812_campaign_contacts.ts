import { Migration } from '@mikro-orm/migrations';

export class Migration20261207204812_campaign_contacts extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "campaign_contact_status" as enum ('active', 'unsubscribed', 'bounced', 'complained');`);
    this.addSql(`create type "campaign_subscription_status" as enum ('pending', 'confirmed', 'unsubscribed');`);
    this.addSql(`create type "campaign_suppression_reason" as enum ('manual', 'unsubscribed', 'bounced', 'complained');`);
    this.addSql(`create table "campaign_lists" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "organization_id" uuid not null, "name" varchar(200) not null, "description" varchar(1000) null, "double_opt_in" boolean not null default false, constraint "campaign_lists_pkey" primary key ("id"));`);
    this.addSql(`create index "campaign_lists_organization_id_created_at_id_index" on "campaign_lists" ("organization_id", "created_at", "id");`);
    this.addSql(`alter table "campaign_lists" add constraint "campaign_lists_organization_id_name_unique" unique ("organization_id", "name");`);

    this.addSql(`create table "campaign_contacts" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "organization_id" uuid not null, "email" varchar(320) not null, "name" varchar(200) null, "attributes" jsonb not null default '{}', "tags" text[] not null default '{}', "status" "campaign_contact_status" not null default 'active', "consent_source" varchar(200) null, "consent_at" timestamptz null, "status_changed_at" timestamptz null, constraint "campaign_contacts_pkey" primary key ("id"));`);
    this.addSql(`create index "campaign_contacts_tags_gin" on "campaign_contacts" using gin ("tags");`);
    this.addSql(`create index "campaign_contacts_attributes_gin" on "campaign_contacts" using gin ("attributes" jsonb_path_ops);`);
    this.addSql(`create index "campaign_contacts_organization_id_created_at_id_index" on "campaign_contacts" ("organization_id", "created_at", "id");`);
    this.addSql(`alter table "campaign_contacts" add constraint "campaign_contacts_organization_id_email_unique" unique ("organization_id", "email");`);

    this.addSql(`create table "campaign_list_subscriptions" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "list_id" uuid not null, "contact_id" uuid not null, "status" "campaign_subscription_status" not null default 'confirmed', "confirmed_at" timestamptz null, "unsubscribed_at" timestamptz null, constraint "campaign_list_subscriptions_pkey" primary key ("id"));`);
    this.addSql(`create index "campaign_list_subscriptions_contact_id_index" on "campaign_list_subscriptions" ("contact_id");`);
    this.addSql(`create index "campaign_list_subscriptions_list_id_status_created_at_id_index" on "campaign_list_subscriptions" ("list_id", "status", "created_at", "id");`);
    this.addSql(`alter table "campaign_list_subscriptions" add constraint "campaign_list_subscriptions_list_id_contact_id_unique" unique ("list_id", "contact_id");`);

    this.addSql(`create table "campaign_suppressions" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "organization_id" uuid not null, "email" varchar(320) not null, "reason" "campaign_suppression_reason" not null, "note" varchar(500) null, constraint "campaign_suppressions_pkey" primary key ("id"));`);
    this.addSql(`create index "campaign_suppressions_organization_id_created_at_id_index" on "campaign_suppressions" ("organization_id", "created_at", "id");`);
    this.addSql(`alter table "campaign_suppressions" add constraint "campaign_suppressions_organization_id_email_unique" unique ("organization_id", "email");`);

    this.addSql(`alter table "campaign_lists" add constraint "campaign_lists_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "campaign_contacts" add constraint "campaign_contacts_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "campaign_list_subscriptions" add constraint "campaign_list_subscriptions_list_id_foreign" foreign key ("list_id") references "campaign_lists" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "campaign_list_subscriptions" add constraint "campaign_list_subscriptions_contact_id_foreign" foreign key ("contact_id") references "campaign_contacts" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "campaign_suppressions" add constraint "campaign_suppressions_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "campaign_list_subscriptions" drop constraint "campaign_list_subscriptions_list_id_foreign";`);

    this.addSql(`alter table "campaign_list_subscriptions" drop constraint "campaign_list_subscriptions_contact_id_foreign";`);

    this.addSql(`drop table if exists "campaign_lists" cascade;`);

    this.addSql(`drop table if exists "campaign_contacts" cascade;`);

    this.addSql(`drop table if exists "campaign_list_subscriptions" cascade;`);

    this.addSql(`drop table if exists "campaign_suppressions" cascade;`);

    this.addSql(`drop type "campaign_contact_status";`);
    this.addSql(`drop type "campaign_subscription_status";`);
    this.addSql(`drop type "campaign_suppression_reason";`);
  }

}

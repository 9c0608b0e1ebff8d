import { Migration } from '@mikro-orm/migrations';

export class Migration20261123132406_identity extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "audit_event_type" as enum ('user.registered', 'auth.login_succeeded', 'auth.login_failed', 'auth.account_locked', 'auth.refresh_reused', 'auth.logout', 'auth.logout_all', 'auth.session_revoked', 'auth.password_changed', 'auth.password_reset_requested', 'auth.password_reset', 'auth.email_verified', 'auth.2fa_enabled', 'auth.2fa_disabled', 'auth.2fa_recovery_code_used', 'auth.guest_created', 'auth.guest_upgraded', 'admin.user_created', 'admin.user_disabled', 'admin.user_enabled', 'admin.user_deleted', 'admin.role_changed');`);
    this.addSql(`create type "user_role" as enum ('admin', 'user', 'guest');`);
    this.addSql(`create type "auth_token_purpose" as enum ('verify_email', 'reset_password');`);
    this.addSql(`create table "audit_events" ("id" uuid not null, "type" "audit_event_type" not null, "actor_id" uuid null, "subject_id" uuid null, "ip" varchar(64) null, "user_agent" varchar(512) null, "metadata" jsonb null, "created_at" timestamptz not null default now(), constraint "audit_events_pkey" primary key ("id"));`);
    this.addSql(`create index "audit_events_type_created_at_index" on "audit_events" ("type", "created_at");`);
    this.addSql(`create index "audit_events_subject_id_created_at_index" on "audit_events" ("subject_id", "created_at");`);
    this.addSql(`create index "audit_events_created_at_index" on "audit_events" ("created_at");`);

    this.addSql(`create table "users" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "email" varchar(320) null, "username" varchar(32) not null, "display_name" varchar(100) null, "password_hash" varchar(255) null, "role" "user_role" not null default 'user', "is_active" boolean not null default true, "email_verified_at" timestamptz null, "two_factor_secret" text null, "two_factor_enabled_at" timestamptz null, "last_login_at" timestamptz null, constraint "users_pkey" primary key ("id"));`);
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);
    this.addSql(`alter table "users" add constraint "users_username_unique" unique ("username");`);
    this.addSql(`create index "users_role_created_at_index" on "users" ("role", "created_at");`);

    this.addSql(`create table "sessions" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "user_id" uuid not null, "user_agent" varchar(512) null, "ip" varchar(64) null, "mfa" boolean not null default false, "last_seen_at" timestamptz not null, "expires_at" timestamptz not null, "revoked_at" timestamptz null, "revoked_reason" varchar(50) null, constraint "sessions_pkey" primary key ("id"));`);
    this.addSql(`create index "sessions_user_id_revoked_at_index" on "sessions" ("user_id", "revoked_at");`);

    this.addSql(`create table "refresh_tokens" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "session_id" uuid not null, "token_hash" varchar(64) not null, "used_at" timestamptz null, constraint "refresh_tokens_pkey" primary key ("id"));`);
    this.addSql(`create index "refresh_tokens_session_id_index" on "refresh_tokens" ("session_id");`);
    this.addSql(`alter table "refresh_tokens" add constraint "refresh_tokens_token_hash_unique" unique ("token_hash");`);

    this.addSql(`create table "recovery_codes" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "user_id" uuid not null, "code_hash" varchar(64) not null, "used_at" timestamptz null, constraint "recovery_codes_pkey" primary key ("id"));`);
    this.addSql(`create index "recovery_codes_user_id_index" on "recovery_codes" ("user_id");`);
    this.addSql(`alter table "recovery_codes" add constraint "recovery_codes_code_hash_unique" unique ("code_hash");`);

    this.addSql(`create table "auth_tokens" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "user_id" uuid not null, "purpose" "auth_token_purpose" not null, "token_hash" varchar(64) not null, "expires_at" timestamptz not null, "used_at" timestamptz null, constraint "auth_tokens_pkey" primary key ("id"));`);
    this.addSql(`alter table "auth_tokens" add constraint "auth_tokens_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "auth_tokens_user_id_purpose_index" on "auth_tokens" ("user_id", "purpose");`);

    this.addSql(`create table "user_quotas" ("user_id" uuid not null, "key" varchar(50) not null, "limit" int not null, "used" int not null default 0, constraint "user_quotas_pkey" primary key ("user_id", "key"));`);

    this.addSql(`alter table "sessions" add constraint "sessions_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "refresh_tokens" add constraint "refresh_tokens_session_id_foreign" foreign key ("session_id") references "sessions" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "recovery_codes" add constraint "recovery_codes_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "auth_tokens" add constraint "auth_tokens_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "user_quotas" add constraint "user_quotas_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "sessions" drop constraint "sessions_user_id_foreign";`);

    this.addSql(`alter table "recovery_codes" drop constraint "recovery_codes_user_id_foreign";`);

    this.addSql(`alter table "auth_tokens" drop constraint "auth_tokens_user_id_foreign";`);

    this.addSql(`alter table "user_quotas" drop constraint "user_quotas_user_id_foreign";`);

    this.addSql(`alter table "refresh_tokens" drop constraint "refresh_tokens_session_id_foreign";`);

    this.addSql(`drop table if exists "audit_events" cascade;`);

    this.addSql(`drop table if exists "users" cascade;`);

    this.addSql(`drop table if exists "sessions" cascade;`);

    this.addSql(`drop table if exists "refresh_tokens" cascade;`);

    this.addSql(`drop table if exists "recovery_codes" cascade;`);

    this.addSql(`drop table if exists "auth_tokens" cascade;`);

    this.addSql(`drop table if exists "user_quotas" cascade;`);

    this.addSql(`drop type "audit_event_type";`);
    this.addSql(`drop type "user_role";`);
    this.addSql(`drop type "auth_token_purpose";`);
  }

}

import { Migration } from '@mikro-orm/migrations';

/** Users, sessions, images and the rate-limit counters. */
export class Migration20261204000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "users" (
        "id" uuid primary key,
        "email" text not null unique,
        "display_name" text not null,
        "password_hash" text not null,
        "role" text not null default 'USER' check ("role" in ('USER', 'MODERATOR', 'ADMIN')),
        "quota_bytes" bigint not null,
        "quota_images" integer not null,
        "used_bytes" bigint not null default 0 check ("used_bytes" >= 0),
        "used_images" integer not null default 0 check ("used_images" >= 0),
        "reserved_bytes" bigint not null default 0 check ("reserved_bytes" >= 0),
        "reserved_images" integer not null default 0 check ("reserved_images" >= 0),
        "created_at" timestamptz not null,
        "updated_at" timestamptz not null
      );`);

    this.addSql(`
      create table "sessions" (
        "id" uuid primary key,
        "user_id" uuid not null references "users" ("id") on delete cascade,
        "token_hash" text not null unique,
        "created_at" timestamptz not null,
        "expires_at" timestamptz not null,
        "revoked_at" timestamptz null
      );`);
    this.addSql(`create index "sessions_user_id_index" on "sessions" ("user_id");`);

    this.addSql(`
      create table "images" (
        "id" uuid primary key,
        "owner_id" uuid not null references "users" ("id") on delete cascade,
        "filename" text not null,
        "content_type" text not null,
        "byte_size" bigint not null check ("byte_size" > 0),
        "sha256" text null,
        "width" integer null,
        "height" integer null,
        "purpose" text not null check ("purpose" in ('GALLERY', 'PROCESSING')),
        "visibility" text not null check ("visibility" in ('PUBLIC', 'PRIVATE')),
        "status" text not null check ("status" in ('PENDING_UPLOAD', 'IN_REVIEW', 'APPROVED', 'REJECTED', 'EXPIRED')),
        "rejection_reason" text null,
        "object_key" text null,
        "grant_expires_at" timestamptz not null,
        "expires_at" timestamptz null,
        "confirmed_at" timestamptz null,
        "created_at" timestamptz not null,
        "updated_at" timestamptz not null
      );`);
    this.addSql(`create index "images_owner_id_created_at_id_index" on "images" ("owner_id", "created_at", "id");`);
    this.addSql(`create index "images_status_grant_expires_at_index" on "images" ("status", "grant_expires_at");`);

    // Fixed-window counters shared by every API replica.
    this.addSql(`
      create table "rate_limits" (
        "key" text primary key,
        "window_start" timestamptz not null,
        "count" integer not null
      );`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "rate_limits";`);
    this.addSql(`drop table if exists "images";`);
    this.addSql(`drop table if exists "sessions";`);
    this.addSql(`drop table if exists "users";`);
  }
}

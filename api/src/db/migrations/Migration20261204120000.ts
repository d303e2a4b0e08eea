import { Migration } from '@mikro-orm/migrations';

/** Personal API tokens for third parties. The secret is stored only as its SHA-256. */
export class Migration20261204120000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "api_tokens" (
        "id" uuid primary key,
        "user_id" uuid not null references "users" ("id") on delete cascade,
        "name" text not null check (char_length("name") between 1 and 80),
        "scopes" text[] not null check (cardinality("scopes") > 0),
        "token_hash" text not null unique,
        "created_at" timestamptz not null,
        "expires_at" timestamptz null,
        "revoked_at" timestamptz null,
        "last_used_at" timestamptz null
      );`);
    // Serves the per-user listing, newest first, and the count of a user's active tokens.
    this.addSql(`create index "api_tokens_user_id_created_at_id_index" on "api_tokens" ("user_id", "created_at", "id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "api_tokens";`);
  }
}

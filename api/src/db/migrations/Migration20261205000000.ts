import { Migration } from '@mikro-orm/migrations';

/**
 * Confirm leases and deferred deletes of uploads. A confirm claims its
 * PENDING_UPLOAD row with a short lease instead of holding a row lock, so no
 * database connection waits on storage. It leaves the `incoming/` object to
 * the grant reaper, which deletes it in batches once the grant has expired.
 */
export class Migration20261205000000 extends Migration {
  override async up(): Promise<void> {
    // A lease is live while confirm_lease_until is in the future; an expired one counts as no lease.
    this.addSql(`alter table "images" add column "confirm_lease_until" timestamptz null;`);
    // True once confirm is done with the row's incoming/ object, until the reaper deleted it.
    this.addSql(`alter table "images" add column "sweep_incoming" boolean not null default false;`);
    this.addSql(`create index "images_sweep_incoming_index" on "images" ("grant_expires_at", "id") where "sweep_incoming";`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "images_sweep_incoming_index";`);
    this.addSql(`alter table "images" drop column if exists "sweep_incoming";`);
    this.addSql(`alter table "images" drop column if exists "confirm_lease_until";`);
  }
}

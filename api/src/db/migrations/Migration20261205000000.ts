import { Migration } from '@mikro-orm/migrations';

/**
 * Confirm leases: a confirm claims its PENDING_UPLOAD row with a short lease
 * instead of holding a row lock, so no database connection waits on storage.
 */
export class Migration20261205000000 extends Migration {
  override async up(): Promise<void> {
    // A lease is live while confirm_lease_until is in the future; an expired one counts as no lease.
    this.addSql(`alter table "images" add column "confirm_lease_until" timestamptz null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "images" drop column if exists "confirm_lease_until";`);
  }
}

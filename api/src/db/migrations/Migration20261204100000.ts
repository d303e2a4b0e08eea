import { Migration } from '@mikro-orm/migrations';

/** Job run records, objects the reconcile pass found missing, and the indexes the cleanup jobs scan. */
export class Migration20261204100000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "job_runs" (
        "id" uuid primary key,
        "job" text not null,
        "trigger" text not null check ("trigger" in ('SCHEDULE', 'ADMIN', 'CLI')),
        "runner" text not null,
        "requested_by_id" uuid null references "users" ("id") on delete set null,
        "started_at" timestamptz not null,
        "finished_at" timestamptz null,
        "outcome" text not null check ("outcome" in ('RUNNING', 'SUCCEEDED', 'FAILED')),
        "counts" jsonb not null default '{}',
        "error" text null,
        check (("outcome" = 'RUNNING') = ("finished_at" is null))
      );`);
    this.addSql(`create index "job_runs_started_at_id_index" on "job_runs" ("started_at" desc, "id" desc);`);
    this.addSql(`create index "job_runs_job_started_at_id_index" on "job_runs" ("job", "started_at" desc, "id" desc);`);

    // One row per image whose object the last reconcile passes could not find.
    this.addSql(`
      create table "storage_missing_objects" (
        "image_id" uuid primary key references "images" ("id") on delete cascade,
        "object_key" text not null,
        "first_detected_at" timestamptz not null,
        "last_detected_at" timestamptz not null
      );`);

    // The reconcile pass compares rows with listings page by page, in the byte order S3 lists keys in.
    this.addSql(`create index "images_object_key_bytewise_index" on "images" ("object_key" collate "C") where "object_key" is not null;`);
    this.addSql(
      `create index "images_processing_expires_at_index" on "images" ("expires_at") where "purpose" = 'PROCESSING' and "object_key" is not null;`,
    );
    this.addSql(
      `create index "images_rejected_updated_at_index" on "images" ("updated_at") where "status" = 'REJECTED' and "object_key" is not null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "images_rejected_updated_at_index";`);
    this.addSql(`drop index if exists "images_processing_expires_at_index";`);
    this.addSql(`drop index if exists "images_object_key_bytewise_index";`);
    this.addSql(`drop table if exists "storage_missing_objects";`);
    this.addSql(`drop table if exists "job_runs";`);
  }
}

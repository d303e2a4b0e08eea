import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../../config/config';
import type { RequestContext } from '../../context';
import { JobName, type JobCounts } from '../../jobs/schedules';
import type { Metrics } from '../../metrics/metrics';
import type { ObjectStorage } from '../../storage/object-storage';
import { finalKey, incomingKey } from '../images/image.entity';
import { QuotaService } from '../images/quota.service';

/** A row as the cleanup queries return it; `byte_size` is a bigint, which the driver returns as a string. */
interface DueRow {
  id: string;
  owner_id: string;
  byte_size: string | number;
  object_key: string | null;
}

/**
 * One kind of row cleanup. Both statements carry the same conditions, so the
 * update changes only rows that are still due, even when another runner is active.
 */
interface RowCleanup {
  job: JobName;
  /** Name of the count that records changed rows. */
  changedCount: string;
  /** Locks due rows without waiting for rows that a confirm or a delete holds. Its last parameter is the row limit. */
  selectDue: string;
  selectParams: unknown[];
  /** Keys to delete before the rows change. */
  keysOf(row: DueRow): string[];
  /** Changes the locked rows; its first parameter is a JSON array of their ids. */
  markDone: string;
  markParams: unknown[];
  /** The owner's quota change: `release` gives back an open grant's reservation, `free` a stored object's usage. */
  quota: 'release' | 'free' | 'none';
  /** Keys per row, so that a batch sends as many keys to DeleteObjects whatever the kind. */
  keysPerRow: number;
}

interface BatchResult {
  selected: number;
  changed: number;
  keys: number;
}

const IDS_FROM_JSON = `(select value::uuid from jsonb_array_elements_text(?::jsonb))`;

/**
 * The row-driven cleanup jobs. Each batch runs in one transaction: lock the
 * due rows with SKIP LOCKED, delete their objects, then change the rows with a
 * conditional update. Objects go first: when storage fails, the transaction
 * rolls back, no row claims a deletion that did not happen, and the next run
 * repeats the batch (deleting a missing key is not an error).
 *
 * A confirm that races the grant reaper holds a lease on the image row while
 * it checks and copies the object. The reaper skips leased rows, so the
 * confirm ends with its object. If the reaper locked the row first, the
 * confirm's claim waits for the lock, then reads EXPIRED and fails with
 * GRANT_EXPIRED, and both keys are already gone.
 */
export class CleanupService {
  private readonly quota = new QuotaService();

  constructor(
    private readonly config: Config,
    private readonly storage: ObjectStorage,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Expires PENDING_UPLOAD grants older than their expiry plus the margin, in
   * which time the presigned PUT has stopped working. Deletes the upload and any
   * copy that a failed confirm left at the final key, and releases the reservation.
   * Then deletes the uploads that confirm left under incoming/ once their grant
   * is that old.
   */
  async expireGrants(ctx: RequestContext, counts: JobCounts): Promise<void> {
    const margin = this.config.cleanup.grantMarginSeconds;
    const changed = await this.runBatches(ctx, counts, {
      job: JobName.EXPIRE_GRANTS,
      changedCount: 'rowsExpired',
      selectDue: `
        select id, owner_id, byte_size, object_key from images
         where status = 'PENDING_UPLOAD' and grant_expires_at < now() - make_interval(secs => ?)
           and (confirm_lease_until is null or confirm_lease_until <= now())
         order by grant_expires_at, id
         limit ?
         for update skip locked`,
      selectParams: [margin],
      keysOf: (row) => [incomingKey(row.id), finalKey(row.id)],
      markDone: `
        update images set status = 'EXPIRED', updated_at = now()
         where id in ${IDS_FROM_JSON}
           and status = 'PENDING_UPLOAD' and grant_expires_at < now() - make_interval(secs => ?)
           and (confirm_lease_until is null or confirm_lease_until <= now())
        returning id, owner_id, byte_size, object_key`,
      markParams: [margin],
      quota: 'release',
      keysPerRow: 2,
    });
    this.metrics.grantsExpired.inc(changed);

    // Confirm leaves the upload under incoming/. Once the grant has expired, no PUT can write there again.
    await this.runBatches(ctx, counts, {
      job: JobName.EXPIRE_GRANTS,
      changedCount: 'uploadsSwept',
      selectDue: `
        select id, owner_id, byte_size, object_key from images
         where sweep_incoming and grant_expires_at < now() - make_interval(secs => ?)
         order by grant_expires_at, id
         limit ?
         for update skip locked`,
      selectParams: [margin],
      keysOf: (row) => [incomingKey(row.id)],
      // updated_at stays as it is, because the retention of rejected images counts from it.
      markDone: `
        update images set sweep_incoming = false
         where id in ${IDS_FROM_JSON} and sweep_incoming
        returning id, owner_id, byte_size, object_key`,
      markParams: [],
      quota: 'none',
      keysPerRow: 1,
    });
  }

  /**
   * Deletes the objects of PROCESSING images past `expires_at` and frees their
   * quota. The row stays as EXPIRED so its owner sees what happened; a
   * REJECTED row keeps its status and reason.
   */
  async expireProcessing(ctx: RequestContext, counts: JobCounts): Promise<void> {
    await this.runBatches(ctx, counts, {
      job: JobName.EXPIRE_PROCESSING,
      changedCount: 'rowsExpired',
      selectDue: `
        select id, owner_id, byte_size, object_key from images
         where purpose = 'PROCESSING' and object_key is not null and expires_at < now()
         order by expires_at, id
         limit ?
         for update skip locked`,
      selectParams: [],
      keysOf: (row) => [row.object_key!],
      markDone: `
        update images
           set status = case when status = 'REJECTED' then status else 'EXPIRED' end, object_key = null, updated_at = now()
         where id in ${IDS_FROM_JSON}
           and purpose = 'PROCESSING' and object_key is not null and expires_at < now()
        returning id, owner_id, byte_size, object_key`,
      markParams: [],
      quota: 'free',
      keysPerRow: 1,
    });
  }

  /**
   * Deletes the objects of REJECTED images whose last change is older than the
   * retention period, and frees their quota. The row and its reason stay.
   */
  async purgeRejected(ctx: RequestContext, counts: JobCounts): Promise<void> {
    const retention = this.config.cleanup.rejectedRetentionSeconds;
    // NOTE: the age counts from `updated_at`, the time of the rejection unless the row changed since.
    await this.runBatches(ctx, counts, {
      job: JobName.PURGE_REJECTED,
      changedCount: 'rowsPurged',
      selectDue: `
        select id, owner_id, byte_size, object_key from images
         where status = 'REJECTED' and object_key is not null and updated_at < now() - make_interval(secs => ?)
         order by updated_at, id
         limit ?
         for update skip locked`,
      selectParams: [retention],
      keysOf: (row) => [row.object_key!],
      markDone: `
        update images set object_key = null, updated_at = now()
         where id in ${IDS_FROM_JSON}
           and status = 'REJECTED' and object_key is not null and updated_at < now() - make_interval(secs => ?)
        returning id, owner_id, byte_size, object_key`,
      markParams: [retention],
      quota: 'free',
      keysPerRow: 1,
    });
  }

  /** Runs batches until no due rows are left or the run's row budget is spent; returns the rows changed. */
  private async runBatches(ctx: RequestContext, counts: JobCounts, cleanup: RowCleanup): Promise<number> {
    const { batchSize, maxRowsPerRun } = this.config.cleanup;
    // CLEANUP_BATCH_SIZE counts grants, which have two keys each.
    const rowsPerBatch = Math.max(1, Math.floor((batchSize * 2) / cleanup.keysPerRow));
    let remaining = maxRowsPerRun;
    let changed = 0;
    while (remaining > 0) {
      const limit = Math.min(rowsPerBatch, remaining);
      const batch = await ctx.em.transactional((em) => this.runBatch(em, cleanup, limit));

      // Counted after the commit: a batch that rolled back changed nothing.
      add(counts, 'batches', batch.selected > 0 ? 1 : 0);
      add(counts, cleanup.changedCount, batch.changed);
      add(counts, 'keysDeleted', batch.keys);
      this.metrics.cleanupRowsChanged.inc({ job: cleanup.job }, batch.changed);
      this.metrics.cleanupKeysDeleted.inc({ job: cleanup.job }, batch.keys);
      if (batch.selected > 0) {
        ctx.logger.debug({ event: 'cleanup.batch_done', rows: batch.changed, keys: batch.keys });
      }
      changed += batch.changed;

      if (batch.selected < limit) break;
      remaining -= batch.selected;
    }
    return changed;
  }

  private async runBatch(em: EntityManager, cleanup: RowCleanup, limit: number): Promise<BatchResult> {
    const due: DueRow[] = await em.execute(cleanup.selectDue, [...cleanup.selectParams, limit]);
    if (due.length === 0) return { selected: 0, changed: 0, keys: 0 };

    const keys = due.flatMap((row) => cleanup.keysOf(row));
    await this.storage.deleteMany(keys);

    const changed: DueRow[] = await em.execute(cleanup.markDone, [JSON.stringify(due.map((row) => row.id)), ...cleanup.markParams]);
    if (cleanup.quota !== 'none') {
      await this.quota.returnMany(
        em,
        cleanup.quota,
        changed.map((row) => ({ ownerId: row.owner_id, bytes: Number(row.byte_size) })),
      );
    }
    return { selected: due.length, changed: changed.length, keys: keys.length };
  }
}

function add(counts: JobCounts, name: string, value: number): void {
  counts[name] = (counts[name] ?? 0) + value;
}

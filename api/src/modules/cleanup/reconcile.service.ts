import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../../config/config';
import type { RequestContext } from '../../context';
import { JobName, type JobCounts } from '../../jobs/schedules';
import type { Metrics } from '../../metrics/metrics';
import type { ObjectPage, ObjectStorage } from '../../storage/object-storage';

const INCOMING_PREFIX = 'incoming/';
const FINAL_PREFIX = 'images/';

/** Keys logged one by one per run; the counts cover the rest. */
const MAX_LOGGED_KEYS = 20;

/** HEAD requests in flight at once while confirming that an object is missing. */
const HEAD_CONCURRENCY = 8;

/**
 * Image ids are lowercase UUIDs. Sidestep writes no key of any other shape, so
 * the reconcile pass leaves such keys alone, prefix markers among them.
 */
const KEY_PATTERN = '^(incoming|images)/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$';

type ListedObject = ObjectPage['objects'][number];

interface MissingRow {
  id: string;
  object_key: string;
}

/**
 * The slow pass that compares storage with the rows. It deletes objects that
 * no row claims once they are older than the grace period. Those are uploads
 * whose row is gone or no longer pending, and the objects of images whose row
 * was deleted, by their owner or with their owner's account. It records rows
 * whose object is missing in `storage_missing_objects`, logs them and feeds a
 * gauge; it never changes those rows.
 *
 * A row claims `incoming/<id>` while it is PENDING_UPLOAD or the grant reaper
 * is still to delete the upload that confirm left there, and `images/<id>`
 * while it is PENDING_UPLOAD (a confirm is copying) or when it is the row's
 * `object_key`. Ids are never reused, so a key that no row claims can never
 * be claimed later.
 *
 * NOTE: a run lists the whole bucket; deletes still go at most 1000 keys per
 * request, one page at a time.
 */
export class ReconcileService {
  constructor(
    private readonly config: Config,
    private readonly storage: ObjectStorage,
    private readonly metrics: Metrics,
  ) {}

  async reconcileStorage(ctx: RequestContext, counts: JobCounts): Promise<void> {
    const [{ started_at: passStartedAt }] = await ctx.em.execute<{ started_at: string }[]>(
      `select date_trunc('milliseconds', clock_timestamp())::text as started_at`,
    );
    counts.objectsListed = 0;
    counts.strayObjectsDeleted = 0;
    counts.missingObjects = 0;

    const logged = { strays: 0, missing: 0 };
    for (const prefix of [INCOMING_PREFIX, FINAL_PREFIX]) {
      await this.reconcilePrefix(ctx, prefix, counts, logged);
    }

    // Only a finished pass may clear entries: a row it did not find missing has its object again, or lost its key.
    const cleared = await ctx.em.execute<{ image_id: string }[]>(
      `delete from storage_missing_objects where last_detected_at < ?::timestamptz returning image_id`,
      [passStartedAt],
    );
    counts.missingCleared = cleared.length;
  }

  /** Counts the images recorded as missing their object, for the gauge. */
  async countMissingObjects(em: EntityManager): Promise<number> {
    const [row] = await em.execute<{ count: number }[]>(`select count(*)::int as count from storage_missing_objects`);
    return row.count;
  }

  private async reconcilePrefix(ctx: RequestContext, prefix: string, counts: JobCounts, logged: { strays: number; missing: number }) {
    let continuationToken: string | undefined;
    // Keys are listed in byte order, so each page covers the range (previous last key, this last key].
    let lowerBound = prefix;
    do {
      const page = await this.storage.list(prefix, continuationToken);
      counts.objectsListed += page.objects.length;

      const strays = await this.findStrays(ctx.em, page.objects);
      if (strays.length > 0) {
        await this.storage.deleteMany(strays);
        counts.strayObjectsDeleted += strays.length;
        this.metrics.cleanupKeysDeleted.inc({ job: JobName.RECONCILE_STORAGE }, strays.length);
        for (const key of strays.slice(0, Math.max(0, MAX_LOGGED_KEYS - logged.strays))) {
          ctx.logger.info({ event: 'cleanup.stray_object_deleted', key });
        }
        logged.strays += strays.length;
      }

      const lastKey = page.objects.at(-1)?.key;
      const upperBound = page.nextContinuationToken ? lastKey : null;
      if (prefix === FINAL_PREFIX && upperBound !== undefined) {
        const missing = await this.findMissing(ctx.em, page.objects, lowerBound, upperBound);
        await this.recordMissing(ctx, missing, counts, logged);
        if (upperBound !== null) lowerBound = upperBound;
      }
      continuationToken = page.nextContinuationToken;
    } while (continuationToken);
  }

  /** Returns the listed keys that no row claims and that are older than the grace period, by the database clock. */
  private async findStrays(em: EntityManager, objects: readonly ListedObject[]): Promise<string[]> {
    if (objects.length === 0) return [];
    const listed = objects.map((object) => ({ key: object.key, modified: object.lastModified?.toISOString() ?? null }));
    const rows = await em.execute<{ key: string }[]>(
      `select l.key
         from jsonb_to_recordset(?::jsonb) as l(key text, modified timestamptz)
         left join images i on i.id = (regexp_match(l.key, '${KEY_PATTERN}'))[2]::uuid
        where l.modified < now() - make_interval(secs => ?)
          and l.key ~ '${KEY_PATTERN}'
          and (i.id is null or (i.status <> 'PENDING_UPLOAD' and i.object_key is distinct from l.key
                                and not (i.sweep_incoming and l.key like '${INCOMING_PREFIX}%')))`,
      [JSON.stringify(listed), this.config.cleanup.orphanGraceSeconds],
    );
    return rows.map((row) => row.key);
  }

  /**
   * Returns rows whose `object_key` falls in this page's key range but is not
   * listed. Rows confirmed within the grace period are left out, since their
   * object may have been copied after the page was listed.
   */
  private async findMissing(
    em: EntityManager,
    objects: readonly ListedObject[],
    lowerBound: string,
    upperBound: string | null,
  ): Promise<MissingRow[]> {
    return em.execute<MissingRow[]>(
      `select i.id, i.object_key
         from images i
        where i.object_key is not null
          and i.object_key collate "C" > ?::text
          and (?::text is null or i.object_key collate "C" <= ?::text)
          and i.object_key like 'images/%'
          and coalesce(i.confirmed_at, i.updated_at) < now() - make_interval(secs => ?)
          and i.object_key not in (select jsonb_array_elements_text(?::jsonb))`,
      [lowerBound, upperBound, upperBound, this.config.cleanup.orphanGraceSeconds, JSON.stringify(objects.map((object) => object.key))],
    );
  }

  /** Checks each candidate with a HEAD request, so a listing that raced a write reports nothing, then records the rest. */
  private async recordMissing(ctx: RequestContext, candidates: MissingRow[], counts: JobCounts, logged: { missing: number }) {
    const confirmed: MissingRow[] = [];
    for (let start = 0; start < candidates.length; start += HEAD_CONCURRENCY) {
      const slice = candidates.slice(start, start + HEAD_CONCURRENCY);
      const heads = await Promise.all(slice.map((row) => this.storage.head(row.object_key)));
      slice.forEach((row, index) => {
        if (heads[index] === null) confirmed.push(row);
      });
    }
    if (confirmed.length === 0) return;

    // Joined with images so a row deleted since the check is skipped instead of breaking the foreign key.
    const recorded = await ctx.em.execute<{ image_id: string; object_key: string }[]>(
      `insert into storage_missing_objects (image_id, object_key, first_detected_at, last_detected_at)
       select i.id, i.object_key, date_trunc('milliseconds', clock_timestamp()), date_trunc('milliseconds', clock_timestamp())
         from images i
        where i.id in (select value::uuid from jsonb_array_elements_text(?::jsonb)) and i.object_key is not null
       on conflict (image_id) do update set object_key = excluded.object_key, last_detected_at = excluded.last_detected_at
       returning image_id, object_key`,
      [JSON.stringify(confirmed.map((row) => row.id))],
    );
    counts.missingObjects += recorded.length;
    for (const row of recorded.slice(0, Math.max(0, MAX_LOGGED_KEYS - logged.missing))) {
      ctx.logger.warn({ event: 'cleanup.object_missing', imageId: row.image_id, key: row.object_key }, 'A confirmed image has no object in storage.');
    }
    logged.missing += recorded.length;
  }
}

import { existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { startBenchApi } from './support/api-harness';
import type { JobRunReport } from './support/api-protocol';
import { signUpUser } from './support/flows';
import { HttpClient } from './support/http-client';
import { type BenchResult, formatSummary, summarize } from './support/stats';

export interface CleanupOptions {
  /** Expired grants seeded as rows. */
  grants: number;
  /** How many of them also get an uploaded object under `incoming/`, which the reaper must delete. */
  objects: number;
  /** `CLEANUP_BATCH_SIZE` for the run: rows per transaction, and so keys per DeleteObjects request (two keys a row). */
  batchSize: number;
  /** `CLEANUP_MAX_ROWS_PER_RUN`; the benchmark starts runs back to back until one finds nothing due. */
  maxRowsPerRun: number;
  /** The goal's time limit for clearing all grants, in seconds. */
  limitSeconds: number;
}

export const FULL_CLEANUP_OPTIONS: CleanupOptions = { grants: 100_000, objects: 1000, batchSize: 500, maxRowsPerRun: 10_000, limitSeconds: 60 };

const EXPIRE_GRANTS_JOB = 'expire-grants';
const REQUIRED_FILES = ['api/src/modules/cleanup/cleanup.service.ts', 'api/src/jobs/schedules.ts', 'api/src/jobs/job-runner.ts'];
const BYTES_PER_GRANT = 1000;

/**
 * Cleanup: seeds expired grants straight into PostgreSQL (a share of them
 * with an object under `incoming/`), then runs the `expire-grants` job in the
 * API process until nothing is due, timing each run and counting the
 * DeleteObjects requests it sends. Afterwards it checks that every grant is
 * EXPIRED, the objects are gone and the owner's reservation is released.
 */
export async function runCleanup(options: CleanupOptions = FULL_CLEANUP_OPTIONS): Promise<BenchResult> {
  const name = `Cleanup, ${options.grants} expired grants`;
  const missing = REQUIRED_FILES.filter((file) => !existsSync(path.resolve(__dirname, '..', file)));
  if (missing.length > 0) {
    return { name, skipped: `the cleanup job is not built yet (missing ${missing.join(', ')})`, figures: {}, goals: [] };
  }

  const api = await startBenchApi({
    CLEANUP_BATCH_SIZE: String(options.batchSize),
    CLEANUP_MAX_ROWS_PER_RUN: String(options.maxRowsPerRun),
  });
  const client = new HttpClient(api.url, 1);
  const storage = new HttpClient(api.s3Endpoint, 8);
  const database = new pg.Client({ connectionString: api.databaseUrl });
  await database.connect();
  try {
    const owner = await signUpUser(client, 'reaper');
    const objectKeys = await seedExpiredGrants(database, owner.id, options);
    await Promise.all(
      partition(objectKeys, 8).map(async (keys) => {
        for (const key of keys) await putObject(storage, api.s3Endpoint, api.bucket, key);
      }),
    );

    const runs: JobRunReport[] = [];
    for (;;) {
      const run = await api.runJob(EXPIRE_GRANTS_JOB);
      if (!run.ran || run.outcome !== 'SUCCEEDED') throw new Error(`The ${EXPIRE_GRANTS_JOB} job did not succeed: ${JSON.stringify(run)}`);
      runs.push(run);
      if ((run.counts?.rowsExpired ?? 0) === 0) break;
      if (runs.length > Math.ceil(options.grants / options.maxRowsPerRun) + 2) throw new Error('The job keeps finding due grants; it does not converge.');
    }

    await verify(database, storage, api.s3Endpoint, api.bucket, owner.id, objectKeys, options);

    const expired = runs.reduce((sum, run) => sum + (run.counts?.rowsExpired ?? 0), 0);
    const keys = runs.reduce((sum, run) => sum + (run.counts?.keysDeleted ?? 0), 0);
    const deleteRequests = runs.reduce((sum, run) => sum + run.deleteRequests, 0);
    const batches = runs.reduce((sum, run) => sum + (run.counts?.batches ?? 0), 0);
    const seconds = runs.reduce((sum, run) => sum + run.milliseconds, 0) / 1000;
    const working = runs.filter((run) => (run.counts?.rowsExpired ?? 0) > 0);
    const perRun = summarize(working.map((run) => (run.counts!.rowsExpired / run.milliseconds) * 1000));

    return {
      name,
      figures: {
        'grants expired': String(expired),
        'keys deleted': String(keys),
        'DeleteObjects requests': String(deleteRequests),
        // More requests than batches means the SDK retried a DeleteObjects.
        'batches (one DeleteObjects call each)': String(batches),
        'runs, back to back': String(runs.length),
        'total time': `${seconds.toFixed(1)} s`,
        'grants expired per second, per run': formatSummary(perRun, '', 0),
        settings: `CLEANUP_BATCH_SIZE=${options.batchSize}, CLEANUP_MAX_ROWS_PER_RUN=${options.maxRowsPerRun}, ${options.objects} grants with an uploaded object`,
      },
      goals: [
        { name: `time to expire ${options.grants} grants ÷ ${options.limitSeconds} s`, ratio: summarize([seconds / options.limitSeconds]), limit: 1, comparison: 'atMost' },
        { name: 'DeleteObjects requests per 1,000 keys', ratio: summarize([deleteRequests / (keys / 1000)]), limit: 1, comparison: 'atMost' },
      ],
    };
  } finally {
    await database.end();
    client.destroy();
    storage.destroy();
    await api.stop();
  }
}

/** Inserts expired PENDING_UPLOAD rows and their reservation; returns the `incoming/` keys to upload. */
async function seedExpiredGrants(database: pg.Client, ownerId: string, options: CleanupOptions): Promise<string[]> {
  await database.query('begin');
  const inserted = await database.query<{ id: string }>(
    `insert into images (id, owner_id, filename, content_type, byte_size, purpose, visibility, status, grant_expires_at, created_at, updated_at)
     select gen_random_uuid(), $1, 'expired-' || n || '.jpg', 'image/jpeg', $2, 'GALLERY', 'PRIVATE', 'PENDING_UPLOAD',
            now() - interval '1 day', now() - interval '1 day 5 minutes', now() - interval '1 day 5 minutes'
       from generate_series(1, $3::int) as n
     returning id`,
    [ownerId, BYTES_PER_GRANT, options.grants],
  );
  await database.query('update users set reserved_bytes = reserved_bytes + $2, reserved_images = reserved_images + $3 where id = $1', [
    ownerId,
    BYTES_PER_GRANT * options.grants,
    options.grants,
  ]);
  await database.query('commit');
  return inserted.rows.slice(0, options.objects).map((row) => `incoming/${row.id}`);
}

/** Stores a small object; the embedded S3 server accepts unsigned requests, so no grant is needed. */
async function putObject(storage: HttpClient, endpoint: string, bucket: string, key: string): Promise<void> {
  const body = Buffer.alloc(BYTES_PER_GRANT, 1);
  const response = await storage.request('PUT', `${endpoint}/${bucket}/${key}`, { 'content-type': 'image/jpeg', 'content-length': String(body.length) }, body);
  if (response.status !== 200) throw new Error(`Seeding ${key} failed with status ${response.status}.`);
}

async function verify(
  database: pg.Client,
  storage: HttpClient,
  endpoint: string,
  bucket: string,
  ownerId: string,
  objectKeys: string[],
  options: CleanupOptions,
): Promise<void> {
  const statuses = await database.query<{ status: string; count: string }>('select status, count(*) from images where owner_id = $1 group by status', [ownerId]);
  const byStatus = Object.fromEntries(statuses.rows.map((row) => [row.status, Number(row.count)]));
  if (byStatus.EXPIRED !== options.grants || Object.keys(byStatus).length !== 1) {
    throw new Error(`After cleanup the grants are ${JSON.stringify(byStatus)}, not ${options.grants} EXPIRED.`);
  }

  const user = await database.query<{ reserved_bytes: string; reserved_images: number }>('select reserved_bytes, reserved_images from users where id = $1', [ownerId]);
  if (Number(user.rows[0].reserved_bytes) !== 0 || user.rows[0].reserved_images !== 0) {
    throw new Error(`After cleanup the owner still reserves ${JSON.stringify(user.rows[0])}.`);
  }

  for (const key of objectKeys) {
    const response = await storage.request('HEAD', `${endpoint}/${bucket}/${key}`, {});
    if (response.status !== 404) throw new Error(`After cleanup a HEAD of ${key} returned ${response.status}, not 404.`);
  }
}

function partition<T>(items: T[], parts: number): T[][] {
  return Array.from({ length: parts }, (_, part) => items.filter((_, index) => index % parts === part));
}

import { CONFIRM_UPLOAD, signUp } from './support/fixtures';
import { runJobCommand, seedUpload, sharedEnv, startApiProcess, TestDatabase, waitFor, type ApiProcess } from './support/cleanup-support';
import { startTestApi, type TestApi } from './support/test-api';
import { PREFIX_MARKER } from '../src/storage/s3-object-storage';

const BACKLOG = 60;
const ROWS_PER_RUN = 15;

interface RunRow {
  runner: string;
  started_at: Date;
  finished_at: Date | null;
  outcome: string;
  counts: Record<string, number>;
}

const sum = (runs: RunRow[], name: string) => runs.reduce((total, run) => total + (run.counts[name] ?? 0), 0);

describe('cleanup across processes', () => {
  let api: TestApi;
  let db: TestDatabase;

  beforeAll(async () => {
    // This in-process instance only seeds and inspects; the jobs run in child processes.
    api = await startTestApi({ JOBS_ENABLED: 'false', UPLOAD_RATE_LIMIT: '1000' });
    db = new TestDatabase(api.sidestep.config.databaseUrl!);
  });

  afterAll(async () => {
    await db.close();
    await api.stop();
  });

  it('two API processes expire each grant once and delete each object once', async () => {
    const user = await signUp(api, 'backlog');
    const uploads = [];
    for (let start = 0; start < BACKLOG; start += 10) {
      const chunk = Array.from({ length: 10 }, (_, index) => seedUpload(api, user.token, { upload: (start + index) % 2 === 0 }));
      uploads.push(...(await Promise.all(chunk)));
    }
    await db.query(`update images set grant_expires_at = now() - interval '2 hours'`);

    const env = {
      ...sharedEnv(api),
      CLEANUP_EXPIRE_GRANTS_SCHEDULE: '* * * * * *',
      CLEANUP_BATCH_SIZE: '5',
      CLEANUP_MAX_ROWS_PER_RUN: String(ROWS_PER_RUN),
    };
    const replicas: ApiProcess[] = await Promise.all([startApiProcess(env), startApiProcess({ ...env, TZ: 'Asia/Tokyo' })]);
    let exitCodes: (number | null)[];
    try {
      await waitFor(
        () => db.query<{ pending: number }>(`select count(*)::int as pending from images where status = 'PENDING_UPLOAD'`),
        (rows) => rows[0].pending === 0,
        'both processes to work off the backlog',
        30_000,
      );
    } finally {
      // Shutdown waits for a running job, so no run is left RUNNING below.
      exitCodes = await Promise.all(replicas.map((replica) => replica.stop()));
    }
    expect(exitCodes).toEqual([0, 0]);

    const runs = await db.query<RunRow>(
      `select runner, started_at, finished_at, outcome, counts from job_runs where job = 'expire-grants' order by started_at, id`,
    );
    expect(runs.length).toBeGreaterThanOrEqual(BACKLOG / ROWS_PER_RUN);
    for (const run of runs) expect(run.outcome).toBe('SUCCEEDED');
    expect(sum(runs, 'rowsExpired')).toBe(BACKLOG);
    // Each row sends its two keys (the upload and a possible copy) exactly once.
    expect(sum(runs, 'keysDeleted')).toBe(2 * BACKLOG);
    for (let index = 1; index < runs.length; index += 1) {
      expect(runs[index].started_at.getTime()).toBeGreaterThanOrEqual(runs[index - 1].finished_at!.getTime());
    }
    const runners = new Set(runs.map((run) => run.runner));
    for (const runner of runners) expect(replicas.map((replica) => `:${replica.pid}`)).toContain(runner.slice(runner.lastIndexOf(':')));

    const statuses = await db.query<{ status: string; count: number }>(`select status, count(*)::int as count from images group by status`);
    expect(statuses).toEqual([{ status: 'EXPIRED', count: BACKLOG }]);
    const [quota] = await db.query(`select reserved_bytes::int as bytes, reserved_images as images from users where id = $1`, [user.id]);
    expect(quota).toEqual({ bytes: 0, images: 0 });
    const incoming = (await api.sidestep.storage.list('incoming/')).objects.filter((object) => !object.key.endsWith(PREFIX_MARKER));
    expect(incoming).toEqual([]);

    // Both processes tick at the same second and a run outlasts the other's lock attempt, so ticks get skipped.
    const skipped = replicas.flatMap((replica) => replica.logs.filter((line) => line.event === 'job.skipped' && line.job === 'expire-grants'));
    expect(skipped.length).toBeGreaterThanOrEqual(1);
    for (const line of skipped) {
      expect(line.trigger).toBe('SCHEDULE');
      expect(['LOCKED_ELSEWHERE', 'RUNNING_IN_PROCESS']).toContain(line.reason);
    }
    expect(skipped.some((line) => line.reason === 'LOCKED_ELSEWHERE')).toBe(true);
    for (const replica of replicas) {
      expect(replica.logs).toContainEqual(expect.objectContaining({ event: 'job.scheduled', job: 'expire-grants', schedule: '* * * * * *' }));
    }
  });

  it('jobs:run expires by the database clock under other time zones', async () => {
    const databaseName = new URL(api.sidestep.config.databaseUrl!).pathname.slice(1);
    // UTC+14 in the database, UTC-8 in the job process: any cutoff taken from a local clock would be hours off.
    await db.query(`alter database "${databaseName}" set timezone to 'Pacific/Kiritimati'`);
    const marginSeconds = 3600;
    const user = await signUp(api, 'time-zones');
    const due = await seedUpload(api, user.token, { upload: true });
    const notDue = await seedUpload(api, user.token, { upload: true });
    await db.query(`update images set grant_expires_at = now() - make_interval(secs => $2) where id = $1`, [due.id, marginSeconds + 120]);
    await db.query(`update images set grant_expires_at = now() - make_interval(secs => $2) where id = $1`, [notDue.id, marginSeconds - 120]);
    const processing = await seedUpload(api, user.token, { upload: true, purpose: 'PROCESSING' });
    expect((await api.gql(CONFIRM_UPLOAD, { id: processing.id }, user.token)).errors).toBeUndefined();
    await db.query(`update images set expires_at = now() - interval '1 minute' where id = $1`, [processing.id]);
    const kept = await seedUpload(api, user.token, { upload: true });
    expect((await api.gql(CONFIRM_UPLOAD, { id: kept.id }, user.token)).errors).toBeUndefined();
    // A report an hour old that the next full pass must clear, since the object is there.
    await db.query(
      `insert into storage_missing_objects (image_id, object_key, first_detected_at, last_detected_at)
       values ($1, $2, now() - interval '1 hour', now() - interval '1 hour')`,
      [kept.id, `images/${kept.id}`],
    );

    const env = { ...sharedEnv(api), TZ: 'America/Los_Angeles', CLEANUP_GRANT_MARGIN_SECONDS: String(marginSeconds) };
    const results: Record<string, Record<string, any>> = {};
    for (const job of ['expire-grants', 'expire-processing', 'reconcile-storage']) {
      const command = await runJobCommand(env, [job]);
      expect(command).toMatchObject({ code: 0 });
      results[job] = JSON.parse(command.stdout.trim().split('\n').at(-1)!);
      expect(results[job]).toMatchObject({ job, ran: true, outcome: 'SUCCEEDED', error: null });
    }
    expect(results['expire-grants'].counts).toMatchObject({ rowsExpired: 1, keysDeleted: 2 });
    expect(results['expire-processing'].counts).toMatchObject({ rowsExpired: 1, keysDeleted: 1 });
    expect(results['reconcile-storage'].counts).toMatchObject({ missingObjects: 0, missingCleared: 1 });

    const statusOf = async (id: string) => (await db.query(`select status from images where id = $1`, [id]))[0].status;
    expect(await statusOf(due.id)).toBe('EXPIRED');
    expect(await statusOf(notDue.id)).toBe('PENDING_UPLOAD');
    expect(await statusOf(processing.id)).toBe('EXPIRED');
    expect(await api.sidestep.storage.head(`images/${processing.id}`)).toBeNull();
    expect(await api.sidestep.storage.head(`incoming/${notDue.id}`)).not.toBeNull();

    const runs = await db.query<{ trigger: string; skew: number; timezone: string }>(
      `select trigger, abs(extract(epoch from now() - started_at))::float as skew, current_setting('TimeZone') as timezone
         from job_runs where trigger = 'CLI'`,
    );
    expect(runs).toHaveLength(3);
    for (const run of runs) expect(run.skew).toBeLessThan(120);
  });

  it('jobs:run rejects an unknown job', async () => {
    const command = await runJobCommand(sharedEnv(api), ['tidy-up']);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('Unknown job "tidy-up"');
    expect(command.stderr).toContain('expire-grants');
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedS3, type EmbeddedS3Handle } from '../src/embedded/embedded-s3';
import { jobLockKey } from '../src/jobs/advisory-lock';
import { JobTrigger } from '../src/jobs/job-run.entity';
import { JobSkipReason, type JobRunResult } from '../src/jobs/job-runner';
import { JobName } from '../src/jobs/schedules';
import { CONFIRM_WAIT_MS } from '../src/modules/images/upload.service';
import { createLogger } from '../src/logging/logger';
import { CONFIRM_UPLOAD, signUp } from './support/fixtures';
import { ADMIN_ENV, captureLogger, seedUpload, signInAdmin, TestDatabase, waitFor } from './support/cleanup-support';
import { createGate, createProbedRunner, probeStorage } from './support/cleanup-storage-probe';
import { putRaw } from './support/raw-storage';
import { startTestApi, type TestApi } from './support/test-api';

const GRANT_MARGIN_SECONDS = 60;
const RACE_ROUNDS = 20;

const RUN_JOB = `mutation ($input: RunJobInput!) { runJob(input: $input) { ran skipReason run { outcome counts { name value } } } }`;
const QUOTA = `{ viewer { quota { usedBytes reservedBytes usedCount reservedCount } } }`;

const countsOf = (result: JobRunResult) => (result.ran ? result.run.counts : {});

function finishedRun(result: JobRunResult) {
  if (!result.ran) throw new Error(`The job was skipped: ${result.skipReason}`);
  return result.run;
}
const after = <T>(milliseconds: number, start: () => Promise<T>) =>
  new Promise<void>((resolve) => setTimeout(resolve, milliseconds)).then(start);

async function expireGrant(db: TestDatabase, id: string): Promise<void> {
  await db.query(`update images set grant_expires_at = now() - make_interval(secs => $2) where id = $1`, [id, GRANT_MARGIN_SECONDS + 5]);
}

describe('cleanup racing other work', () => {
  let api: TestApi;
  let db: TestDatabase;
  let adminToken: string;

  beforeAll(async () => {
    api = await startTestApi({
      ...ADMIN_ENV,
      JOBS_ENABLED: 'false',
      UPLOAD_RATE_LIMIT: '1000',
      CLEANUP_GRANT_MARGIN_SECONDS: String(GRANT_MARGIN_SECONDS),
    });
    db = new TestDatabase(api.sidestep.config.databaseUrl!);
    adminToken = await signInAdmin(api);
  });

  afterAll(async () => {
    await db.close();
    await api.stop();
  });

  const exists = async (key: string) => (await api.sidestep.storage.head(key)) !== null;
  const statusOf = async (id: string) => (await db.query(`select status, object_key from images where id = $1`, [id]))[0];

  it('confirm racing the reaper ends confirmed with its object or expired without', async () => {
    const user = await signUp(api, 'racer');
    const outcomes: Record<string, number> = {};
    let confirmedBytes = 0;

    for (let round = 0; round < RACE_ROUNDS; round += 1) {
      const upload = await seedUpload(api, user.token, { upload: true });
      await expireGrant(db, upload.id);
      // The reaper needs longer to reach the row (a lock connection and a run record first), so it gets a longer head start.
      const confirmFirst = Math.random() < 0.5;
      const jitter = Math.floor(Math.random() * (confirmFirst ? 25 : 60));
      const [confirmed, reaped] = await Promise.all([
        after(confirmFirst ? 0 : jitter, () => api.gql(CONFIRM_UPLOAD, { id: upload.id }, user.token)),
        after(confirmFirst ? jitter : 0, () => api.gql(RUN_JOB, { input: { job: 'EXPIRE_GRANTS' } }, adminToken)),
      ]);
      expect(reaped.errors).toBeUndefined();
      expect(reaped.data!.runJob.run.outcome).toBe('SUCCEEDED');

      // A confirm that won left its upload for the reaper, whose next run deletes it.
      const swept = await api.gql(RUN_JOB, { input: { job: 'EXPIRE_GRANTS' } }, adminToken);
      expect(swept.errors).toBeUndefined();

      const image = await statusOf(upload.id);
      outcomes[image.status] = (outcomes[image.status] ?? 0) + 1;
      expect(await exists(`incoming/${upload.id}`)).toBe(false);
      if (image.status === 'APPROVED') {
        expect(confirmed.errors).toBeUndefined();
        expect(image.object_key).toBe(`images/${upload.id}`);
        expect(await exists(`images/${upload.id}`)).toBe(true);
        confirmedBytes += upload.byteSize;
      } else {
        expect(image).toEqual({ status: 'EXPIRED', object_key: null });
        expect(confirmed.errors?.[0].extensions?.code).toBe('GRANT_EXPIRED');
        expect(await exists(`images/${upload.id}`)).toBe(false);
      }
    }

    expect(Object.values(outcomes).reduce((sum, count) => sum + count, 0)).toBe(RACE_ROUNDS);
    const quota = await api.gql(QUOTA, {}, user.token);
    expect(quota.data!.viewer.quota).toEqual({
      usedBytes: confirmedBytes,
      reservedBytes: 0,
      usedCount: outcomes.APPROVED ?? 0,
      reservedCount: 0,
    });
  });

  it("confirm waits for the reaper's lock", async () => {
    const user = await signUp(api, 'waiter');
    const upload = await seedUpload(api, user.token, { upload: true });
    await expireGrant(db, upload.id);
    const gate = createGate();
    const storage = probeStorage(api.sidestep.storage, () => gate.wait());
    const { runner, services } = createProbedRunner(api.sidestep, storage, createLogger('silent'));

    const reaping = runner.run(JobName.EXPIRE_GRANTS, JobTrigger.ADMIN, services);
    await gate.entered;
    const confirming = api.gql(CONFIRM_UPLOAD, { id: upload.id }, user.token);
    await waitFor(
      () => db.query<{ waiting: number }>(`select count(*)::int as waiting from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`),
      (rows) => rows[0].waiting >= 1,
      'the confirm to wait for the row lock',
    );
    gate.open();

    const [reaped, confirmed] = await Promise.all([reaping, confirming]);
    expect(countsOf(reaped)).toMatchObject({ rowsExpired: 1, keysDeleted: 2 });
    expect(confirmed.errors?.[0].extensions?.code).toBe('GRANT_EXPIRED');
    expect(await statusOf(upload.id)).toEqual({ status: 'EXPIRED', object_key: null });
    expect(await exists(`incoming/${upload.id}`)).toBe(false);
    expect(await exists(`images/${upload.id}`)).toBe(false);
  });

  /** Makes the next storage copy wait at the gate once it is done, then returns its result. */
  function pauseAfterCopy(gate: ReturnType<typeof createGate>): jest.SpyInstance {
    const storage = api.sidestep.storage;
    const copy = storage.copy.bind(storage);
    return jest.spyOn(storage, 'copy').mockImplementationOnce(async (...args) => {
      const copied = await copy(...args);
      await gate.wait();
      return copied;
    });
  }

  /**
   * Starts a confirm of an upload whose grant is past the reaper's margin and
   * resolves once the confirm has copied the object and waits at the gate.
   */
  async function pausedConfirm(name: string) {
    const user = await signUp(api, name);
    const upload = await seedUpload(api, user.token, { upload: true });
    await expireGrant(db, upload.id);
    const gate = createGate();
    const copy = pauseAfterCopy(gate);
    const { runner, services } = createProbedRunner(api.sidestep, api.sidestep.storage, createLogger('silent'));
    const confirming = api.gql(CONFIRM_UPLOAD, { id: upload.id }, user.token);
    await gate.entered;
    return { user, upload, gate, copy, runner, services, confirming };
  }

  const leaseOf = async (id: string) =>
    (await db.query<{ live: boolean | null }>(`select confirm_lease_until > now() as live from images where id = $1`, [id]))[0].live;

  it('confirm holds a lease, not a transaction', async () => {
    const { upload, gate, copy, runner, services, confirming } = await pausedConfirm('leaseholder');
    try {
      expect(await leaseOf(upload.id)).toBe(true);
      const open = await db.query<{ sessions: number }>(
        `select count(*)::int as sessions from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`,
      );
      expect(open[0].sessions).toBe(0);
      const skipped = await runner.run(JobName.EXPIRE_GRANTS, JobTrigger.ADMIN, services);
      expect(countsOf(skipped)).toMatchObject({ rowsExpired: 0, keysDeleted: 0 });

      gate.open();
      const confirmed = await confirming;
      expect(confirmed.errors).toBeUndefined();
      expect(confirmed.data!.confirmUpload.status).toBe('APPROVED');
      expect(await statusOf(upload.id)).toEqual({ status: 'APPROVED', object_key: `images/${upload.id}` });
      expect(await leaseOf(upload.id)).toBeNull();
    } finally {
      copy.mockRestore();
    }
  });

  it('second confirm waits for the first', async () => {
    const user = await signUp(api, 'twice');
    const upload = await seedUpload(api, user.token, { upload: true });
    const gate = createGate();
    const copy = pauseAfterCopy(gate);
    try {
      const first = api.gql(CONFIRM_UPLOAD, { id: upload.id }, user.token);
      await gate.entered;
      const second = api.gql(CONFIRM_UPLOAD, { id: upload.id }, user.token);
      gate.open();

      const [one, two] = await Promise.all([first, second]);
      expect(one.errors).toBeUndefined();
      expect(two.errors).toBeUndefined();
      expect(one.data!.confirmUpload).toMatchObject({ id: upload.id, status: 'APPROVED' });
      expect(two.data!.confirmUpload).toMatchObject({ id: upload.id, status: 'APPROVED' });
      expect(copy).toHaveBeenCalledTimes(1);
    } finally {
      copy.mockRestore();
    }
    const quota = await api.gql(QUOTA, {}, user.token);
    expect(quota.data!.viewer.quota).toEqual({ usedBytes: upload.byteSize, reservedBytes: 0, usedCount: 1, reservedCount: 0 });
  });

  it('confirm takes over a lapsed lease', async () => {
    const user = await signUp(api, 'heir');
    const upload = await seedUpload(api, user.token, { upload: true });
    // A confirm in a process that crashed left its lease, which ends in a second.
    await db.query(`update images set confirm_lease_until = now() + interval '1 second' where id = $1`, [upload.id]);

    const confirmed = await api.gql(CONFIRM_UPLOAD, { id: upload.id }, user.token);
    expect(confirmed.errors).toBeUndefined();
    expect(confirmed.data!.confirmUpload.status).toBe('APPROVED');
  });

  it('confirm stops waiting on a held lease', async () => {
    const user = await signUp(api, 'patient');
    const upload = await seedUpload(api, user.token, { upload: true });
    await db.query(`update images set confirm_lease_until = now() + interval '60 seconds' where id = $1`, [upload.id]);

    const started = Date.now();
    const waited = await api.gql(CONFIRM_UPLOAD, { id: upload.id }, user.token);
    expect(Date.now() - started).toBeGreaterThanOrEqual(CONFIRM_WAIT_MS);
    expect(waited.errors?.[0].extensions).toMatchObject({ code: 'CONFIRM_IN_PROGRESS', imageId: upload.id, retryAfterSeconds: 2 });
    expect(await statusOf(upload.id)).toEqual({ status: 'PENDING_UPLOAD', object_key: null });
    expect(await leaseOf(upload.id)).toBe(true);
  });

  it('failed confirm gives its lease back', async () => {
    const user = await signUp(api, 'early');
    const upload = await seedUpload(api, user.token, { upload: false });
    const early = await api.gql(CONFIRM_UPLOAD, { id: upload.id }, user.token);
    expect(early.errors?.[0].extensions?.code).toBe('UPLOAD_NOT_FOUND');
    expect(await leaseOf(upload.id)).toBeNull();
  });

  it('confirm past its lease writes nothing', async () => {
    const { user, upload, gate, copy, runner, services, confirming } = await pausedConfirm('slow');
    try {
      // The lease runs out and the reaper expires the row. The copy lands after the reaper's delete.
      await db.query(`update images set confirm_lease_until = now() - interval '1 second' where id = $1`, [upload.id]);
      const reaped = await runner.run(JobName.EXPIRE_GRANTS, JobTrigger.ADMIN, services);
      expect(countsOf(reaped)).toMatchObject({ rowsExpired: 1 });
      await putRaw(api, `images/${upload.id}`, Buffer.from('late copy'));
      gate.open();

      const confirmed = await confirming;
      expect(confirmed.errors?.[0].extensions?.code).toBe('GRANT_EXPIRED');
    } finally {
      copy.mockRestore();
    }
    expect(await statusOf(upload.id)).toEqual({ status: 'EXPIRED', object_key: null });
    expect(await exists(`images/${upload.id}`)).toBe(false);
    const quota = await api.gql(QUOTA, {}, user.token);
    expect(quota.data!.viewer.quota).toEqual({ usedBytes: 0, reservedBytes: 0, usedCount: 0, reservedCount: 0 });
  });

  it('reaper skips a locked row', async () => {
    const user = await signUp(api, 'holder');
    const upload = await seedUpload(api, user.token, { upload: true });
    await expireGrant(db, upload.id);
    const { runner, services } = createProbedRunner(api.sidestep, api.sidestep.storage, createLogger('silent'));

    const confirmLike = new pg.Client({ connectionString: db.url });
    await confirmLike.connect();
    try {
      await confirmLike.query('begin');
      await confirmLike.query('select id from images where id = $1 for update', [upload.id]);
      const skipped = await runner.run(JobName.EXPIRE_GRANTS, JobTrigger.ADMIN, services);
      expect(countsOf(skipped)).toMatchObject({ rowsExpired: 0, keysDeleted: 0 });
      expect((await statusOf(upload.id)).status).toBe('PENDING_UPLOAD');
      expect(await exists(`incoming/${upload.id}`)).toBe(true);
      await confirmLike.query('rollback');
    } finally {
      await confirmLike.end();
    }

    const finished = await runner.run(JobName.EXPIRE_GRANTS, JobTrigger.ADMIN, services);
    expect(countsOf(finished)).toMatchObject({ rowsExpired: 1 });
  });

  it('skips and logs a run while another process holds the job lock', async () => {
    const captured = captureLogger();
    const { runner, services } = createProbedRunner(api.sidestep, api.sidestep.storage, captured.logger);
    const [{ runs: runsBefore }] = await db.query<{ runs: number }>(`select count(*)::int as runs from job_runs`);

    const otherProcess = new pg.Client({ connectionString: db.url });
    await otherProcess.connect();
    try {
      await otherProcess.query('select pg_advisory_lock($1::bigint)', [jobLockKey(JobName.EXPIRE_GRANTS)]);

      const skipped = await runner.run(JobName.EXPIRE_GRANTS, JobTrigger.SCHEDULE, services);
      expect(skipped).toEqual({ job: JobName.EXPIRE_GRANTS, ran: false, skipReason: JobSkipReason.LOCKED_ELSEWHERE });
      expect(captured.events()).toContainEqual(
        expect.objectContaining({ event: 'job.skipped', job: 'expire-grants', trigger: 'SCHEDULE', reason: 'LOCKED_ELSEWHERE' }),
      );

      const viaAdmin = await api.gql(RUN_JOB, { input: { job: 'EXPIRE_GRANTS' } }, adminToken);
      expect(viaAdmin.data!.runJob).toEqual({ ran: false, skipReason: 'LOCKED_ELSEWHERE', run: null });
      const [{ runs: runsWhileLocked }] = await db.query<{ runs: number }>(`select count(*)::int as runs from job_runs`);
      expect(runsWhileLocked).toBe(runsBefore);
    } finally {
      await otherProcess.end();
    }

    const ran = await runner.run(JobName.EXPIRE_GRANTS, JobTrigger.SCHEDULE, services);
    expect(ran.ran).toBe(true);
  });

  it('never runs a job twice at once and waits for it on close', async () => {
    const user = await signUp(api, 'overlap');
    const upload = await seedUpload(api, user.token, { upload: true });
    await expireGrant(db, upload.id);
    const gate = createGate();
    const storage = probeStorage(api.sidestep.storage, () => gate.wait());
    const { runner, services } = createProbedRunner(api.sidestep, storage, createLogger('silent'));

    const first = runner.run(JobName.EXPIRE_GRANTS, JobTrigger.SCHEDULE, services);
    await gate.entered;
    expect(await runner.run(JobName.EXPIRE_GRANTS, JobTrigger.SCHEDULE, services)).toMatchObject({
      ran: false,
      skipReason: JobSkipReason.RUNNING_IN_PROCESS,
    });
    // The API's own runner shares the process but not the in-memory guard; the advisory lock keeps it out.
    const viaAdmin = await api.gql(RUN_JOB, { input: { job: 'EXPIRE_GRANTS' } }, adminToken);
    expect(viaAdmin.data!.runJob).toMatchObject({ ran: false, skipReason: 'LOCKED_ELSEWHERE' });

    const order: string[] = [];
    const closing = runner.close().then(() => order.push('closed'));
    void first.then(() => order.push('run finished'));
    gate.open();
    await closing;
    expect(order).toEqual(['run finished', 'closed']);
    expect(countsOf(await first)).toMatchObject({ rowsExpired: 1 });
    expect(await runner.run(JobName.EXPIRE_GRANTS, JobTrigger.SCHEDULE, services)).toMatchObject({
      ran: false,
      skipReason: JobSkipReason.SHUTTING_DOWN,
    });
  });
});

describe('cleanup when storage stops mid-run', () => {
  let s3: EmbeddedS3Handle;
  let s3Directory: string;
  let api: TestApi;
  let db: TestDatabase;
  const logger = createLogger('silent');

  beforeAll(async () => {
    // A store of its own, so stopping it cannot disturb other test files.
    s3Directory = mkdtempSync(path.join(os.tmpdir(), 'sidestep-cleanup-s3-'));
    s3 = await startEmbeddedS3(s3Directory, 0, logger);
    api = await startTestApi({
      S3_ENDPOINT: s3.endpoint,
      JOBS_ENABLED: 'false',
      UPLOAD_RATE_LIMIT: '1000',
      CLEANUP_GRANT_MARGIN_SECONDS: String(GRANT_MARGIN_SECONDS),
      CLEANUP_BATCH_SIZE: '3',
    });
    db = new TestDatabase(api.sidestep.config.databaseUrl!);
  });

  afterAll(async () => {
    await db.close();
    await api.stop();
    await s3.stop();
    rmSync(s3Directory, { recursive: true, force: true });
  });

  it('marks no row whose object was not deleted, and the next run finishes', async () => {
    const user = await signUp(api, 'outage');
    const uploads = [];
    for (let i = 0; i < 6; i += 1) uploads.push(await seedUpload(api, user.token, { upload: true }));
    for (const upload of uploads) await expireGrant(db, upload.id);

    // The second batch finds the store gone: its DeleteObjects request fails against a closed port.
    const storage = probeStorage(api.sidestep.storage, async (call) => {
      if (call === 2) await s3.stop();
    });
    const { runner, services } = createProbedRunner(api.sidestep, storage, logger);
    const failed = await runner.run(JobName.EXPIRE_GRANTS, JobTrigger.ADMIN, services);
    expect(finishedRun(failed).outcome).toBe('FAILED');
    expect(finishedRun(failed).error).toContain('DeleteObjects');
    expect(countsOf(failed)).toEqual({ batches: 1, rowsExpired: 3, keysDeleted: 6 });

    const expired = await db.query<{ id: string }>(`select id from images where status = 'EXPIRED'`);
    const pending = await db.query<{ id: string }>(`select id from images where status = 'PENDING_UPLOAD'`);
    expect(expired).toHaveLength(3);
    expect(pending).toHaveLength(3);

    s3 = await startEmbeddedS3(s3Directory, s3.port, logger);
    for (const { id } of expired) expect(await api.sidestep.storage.head(`incoming/${id}`)).toBeNull();
    for (const { id } of pending) expect(await api.sidestep.storage.head(`incoming/${id}`)).not.toBeNull();
    const duringOutage = await api.gql(QUOTA, {}, user.token);
    expect(duringOutage.data!.viewer.quota.reservedCount).toBe(3);

    const finished = await runner.run(JobName.EXPIRE_GRANTS, JobTrigger.ADMIN, services);
    expect(finishedRun(finished).outcome).toBe('SUCCEEDED');
    expect(countsOf(finished)).toMatchObject({ rowsExpired: 3 });
    for (const upload of uploads) {
      expect((await db.query(`select status from images where id = $1`, [upload.id]))[0].status).toBe('EXPIRED');
      expect(await api.sidestep.storage.head(`incoming/${upload.id}`)).toBeNull();
    }
    const afterwards = await api.gql(QUOTA, {}, user.token);
    expect(afterwards.data!.viewer.quota).toMatchObject({ reservedBytes: 0, reservedCount: 0 });

    const runs = await db.query(`select outcome from job_runs order by started_at`);
    expect(runs.map((run) => run.outcome)).toEqual(['FAILED', 'SUCCEEDED']);
  });
});

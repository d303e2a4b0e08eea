import { randomUUID } from 'node:crypto';
import { ConfigError, loadConfig } from '../src/config/config';
import { CONFIRM_UPLOAD, png, putToStorage, signUp } from './support/fixtures';
import { ADMIN_ENV, putObject, seedUpload, signInAdmin, TestDatabase, type SeededUpload } from './support/cleanup-support';
import { startTestApi, type TestApi } from './support/test-api';

const GRANT_MARGIN_SECONDS = 600;
const REJECTED_RETENTION_SECONDS = 3600;

const RUN_JOB = `
  mutation ($input: RunJobInput!) {
    runJob(input: $input) {
      job ran skipReason
      run { id job trigger runner outcome requestedById startedAt finishedAt error counts { name value } }
    }
  }`;

const JOBS = `{ jobs { name description schedule scheduleVariable timezone scheduled runningHere lastRun { id outcome } } }`;

const JOB_RUNS = `
  query ($first: Int, $after: String, $job: JobName) {
    jobRuns(first: $first, after: $after, job: $job) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id job startedAt outcome } }
    }
  }`;

const MISSING_OBJECTS = `
  query ($first: Int, $after: String) {
    missingObjects(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { imageId objectKey ownerId imageStatus firstDetectedAt lastDetectedAt } }
    }
  }`;

const QUOTA = `{ viewer { quota { usedBytes reservedBytes usedCount reservedCount } } }`;

type Counts = Record<string, number>;

describe('cleanup jobs', () => {
  let api: TestApi;
  let db: TestDatabase;
  let adminToken: string;

  beforeAll(async () => {
    api = await startTestApi({
      ...ADMIN_ENV,
      JOBS_ENABLED: 'false',
      UPLOAD_RATE_LIMIT: '1000',
      CLEANUP_GRANT_MARGIN_SECONDS: String(GRANT_MARGIN_SECONDS),
      CLEANUP_REJECTED_RETENTION_SECONDS: String(REJECTED_RETENTION_SECONDS),
      CLEANUP_ORPHAN_GRACE_SECONDS: '0',
    });
    db = new TestDatabase(api.sidestep.config.databaseUrl!);
    adminToken = await signInAdmin(api);
  });

  afterAll(async () => {
    await db.close();
    await api.stop();
  });

  async function runJob(job: string): Promise<{ counts: Counts; run: Record<string, any> }> {
    const result = await api.gql(RUN_JOB, { input: { job } }, adminToken);
    expect(result.errors).toBeUndefined();
    const payload = result.data!.runJob;
    expect(payload).toMatchObject({ job, ran: true, skipReason: null });
    const counts: Counts = Object.fromEntries(payload.run.counts.map((count: { name: string; value: number }) => [count.name, count.value]));
    return { counts, run: payload.run };
  }

  async function confirm(token: string, upload: SeededUpload): Promise<void> {
    const result = await api.gql(CONFIRM_UPLOAD, { id: upload.id }, token);
    expect(result.errors).toBeUndefined();
  }

  async function row(id: string) {
    const [image] = await db.query(`select status, object_key, rejection_reason from images where id = $1`, [id]);
    return image;
  }

  const exists = async (key: string) => (await api.sidestep.storage.head(key)) !== null;

  it('expires grants past the margin and releases their reservations', async () => {
    const user = await signUp(api, 'uploader');
    const uploaded = await seedUpload(api, user.token, { upload: true });
    const unused = await seedUpload(api, user.token, { upload: false });
    const withinMargin = await seedUpload(api, user.token, { upload: true });
    const open = await seedUpload(api, user.token, { upload: false });
    await db.query(`update images set grant_expires_at = now() - make_interval(secs => $2) where id = any($1::uuid[])`, [
      [uploaded.id, unused.id],
      GRANT_MARGIN_SECONDS + 60,
    ]);
    await db.query(`update images set grant_expires_at = now() - interval '10 seconds' where id = $1`, [withinMargin.id]);

    const { counts, run } = await runJob('EXPIRE_GRANTS');
    expect(run).toMatchObject({ outcome: 'SUCCEEDED', trigger: 'ADMIN', error: null });
    expect(counts).toMatchObject({ rowsExpired: 2, keysDeleted: 4, batches: 1 });

    expect((await row(uploaded.id)).status).toBe('EXPIRED');
    expect((await row(unused.id)).status).toBe('EXPIRED');
    expect((await row(withinMargin.id)).status).toBe('PENDING_UPLOAD');
    expect((await row(open.id)).status).toBe('PENDING_UPLOAD');
    expect(await exists(`incoming/${uploaded.id}`)).toBe(false);
    expect(await exists(`incoming/${withinMargin.id}`)).toBe(true);

    const quota = await api.gql(QUOTA, {}, user.token);
    expect(quota.data!.viewer.quota).toEqual({
      usedBytes: 0,
      reservedBytes: withinMargin.byteSize + open.byteSize,
      usedCount: 0,
      reservedCount: 2,
    });

    const confirmed = await api.gql(CONFIRM_UPLOAD, { id: uploaded.id }, user.token);
    expect(confirmed.errors?.[0].extensions?.code).toBe('GRANT_EXPIRED');

    const again = await runJob('EXPIRE_GRANTS');
    expect(again.counts).toMatchObject({ rowsExpired: 0, keysDeleted: 0, batches: 0 });
  });

  it('deletes confirmed uploads once their grant expired', async () => {
    const user = await signUp(api, 'swept');
    const confirmed = await seedUpload(api, user.token, { upload: true });
    await confirm(user.token, confirmed);
    // A reused grant URL can write incoming/ again after confirm, until the grant expires.
    expect((await putToStorage(confirmed.grant, Buffer.alloc(confirmed.byteSize, 0x42))).status).toBe(200);
    const sweepDue = async () =>
      (await db.query<{ due: boolean }>(`select sweep_incoming as due from images where id = $1`, [confirmed.id]))[0].due;

    const early = await runJob('EXPIRE_GRANTS');
    expect(early.counts).toMatchObject({ uploadsSwept: 0 });
    expect(await exists(`incoming/${confirmed.id}`)).toBe(true);
    expect(await sweepDue()).toBe(true);

    await db.query(`update images set grant_expires_at = now() - make_interval(secs => $2) where id = $1`, [
      confirmed.id,
      GRANT_MARGIN_SECONDS + 60,
    ]);
    const { counts } = await runJob('EXPIRE_GRANTS');
    expect(counts).toMatchObject({ uploadsSwept: 1, keysDeleted: 1, batches: 1, rowsExpired: 0 });
    expect(await exists(`incoming/${confirmed.id}`)).toBe(false);
    expect(await exists(`images/${confirmed.id}`)).toBe(true);
    expect(await row(confirmed.id)).toMatchObject({ status: 'APPROVED', object_key: `images/${confirmed.id}` });
    expect(await sweepDue()).toBe(false);

    const again = await runJob('EXPIRE_GRANTS');
    expect(again.counts).toMatchObject({ uploadsSwept: 0, keysDeleted: 0 });
  });

  it('expires processing images past their expiry and frees their quota', async () => {
    const user = await signUp(api, 'processor');
    const expiring = await seedUpload(api, user.token, { upload: true, purpose: 'PROCESSING' });
    const current = await seedUpload(api, user.token, { upload: true, purpose: 'PROCESSING' });
    await confirm(user.token, expiring);
    await confirm(user.token, current);
    await db.query(`update images set expires_at = now() - interval '1 second' where id = $1`, [expiring.id]);

    const { counts } = await runJob('EXPIRE_PROCESSING');
    expect(counts).toMatchObject({ rowsExpired: 1, keysDeleted: 1 });

    expect(await row(expiring.id)).toMatchObject({ status: 'EXPIRED', object_key: null });
    expect(await exists(`images/${expiring.id}`)).toBe(false);
    expect(await row(current.id)).toMatchObject({ status: 'APPROVED', object_key: `images/${current.id}` });
    expect(await exists(`images/${current.id}`)).toBe(true);

    const quota = await api.gql(QUOTA, {}, user.token);
    expect(quota.data!.viewer.quota).toMatchObject({ usedBytes: current.byteSize, usedCount: 1, reservedCount: 0 });
    const image = await api.gql(`query ($id: ID!) { image(id: $id) { status url } }`, { id: expiring.id }, user.token);
    expect(image.data!.image).toEqual({ status: 'EXPIRED', url: null });
  });

  it('purges the objects of rejected images past retention and keeps the rows', async () => {
    const user = await signUp(api, 'rejected');
    const old = await seedUpload(api, user.token, { upload: true });
    const recent = await seedUpload(api, user.token, { upload: true });
    await confirm(user.token, old);
    await confirm(user.token, recent);
    // Rejected as a moderator would leave them: object kept, usage still counted.
    await db.query(
      `update images set status = 'REJECTED', rejection_reason = 'Off topic', updated_at = now() - make_interval(secs => $2) where id = $1`,
      [old.id, REJECTED_RETENTION_SECONDS + 60],
    );
    await db.query(`update images set status = 'REJECTED', rejection_reason = 'Off topic', updated_at = now() - interval '1 minute' where id = $1`, [
      recent.id,
    ]);

    const { counts } = await runJob('PURGE_REJECTED');
    expect(counts).toMatchObject({ rowsPurged: 1, keysDeleted: 1 });

    expect(await row(old.id)).toEqual({ status: 'REJECTED', object_key: null, rejection_reason: 'Off topic' });
    expect(await exists(`images/${old.id}`)).toBe(false);
    expect(await row(recent.id)).toMatchObject({ status: 'REJECTED', object_key: `images/${recent.id}` });
    expect(await exists(`images/${recent.id}`)).toBe(true);
    const quota = await api.gql(QUOTA, {}, user.token);
    expect(quota.data!.viewer.quota).toMatchObject({ usedBytes: recent.byteSize, usedCount: 1 });
  });

  it('reconcile deletes unclaimed objects and reports a missing one', async () => {
    const user = await signUp(api, 'reconciled');
    const storage = api.sidestep.storage;
    const lost = await seedUpload(api, user.token, { upload: true });
    const kept = await seedUpload(api, user.token, { upload: true });
    const orphaned = await seedUpload(api, user.token, { upload: true });
    const pending = await seedUpload(api, user.token, { upload: true });
    for (const upload of [lost, kept, orphaned]) await confirm(user.token, upload);
    await storage.deleteMany([`images/${lost.id}`]);
    // The row is gone but its object stayed, as when an account is deleted with its images.
    await db.query(`delete from images where id = $1`, [orphaned.id]);
    const strays = [`incoming/${randomUUID()}`, `images/${randomUUID()}`];
    for (const key of strays) await putObject(storage, key, await png(3, 3));
    // Sidestep writes only UUID-shaped keys, so an object of another shape is someone else's.
    const foreign = 'images/not-an-image-id';
    await putObject(storage, foreign, await png(3, 3));

    const { counts } = await runJob('RECONCILE_STORAGE');
    expect(counts).toMatchObject({ strayObjectsDeleted: 4, missingObjects: 1, missingCleared: 0 });
    for (const key of [...strays, `images/${orphaned.id}`, `incoming/${orphaned.id}`]) expect(await exists(key)).toBe(false);
    expect(await exists(foreign)).toBe(true);
    expect(await exists(`images/${kept.id}`)).toBe(true);
    // Confirm left the upload for the grant reaper, so reconcile leaves it alone.
    expect(await exists(`incoming/${kept.id}`)).toBe(true);
    expect(await exists(`incoming/${pending.id}`)).toBe(true);

    const missing = await api.gql(MISSING_OBJECTS, {}, adminToken);
    expect(missing.errors).toBeUndefined();
    expect(missing.data!.missingObjects.totalCount).toBe(1);
    expect(missing.data!.missingObjects.edges[0].node).toMatchObject({
      imageId: lost.id,
      objectKey: `images/${lost.id}`,
      ownerId: user.id,
      imageStatus: 'APPROVED',
    });
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toMatch(/^sidestep_storage_missing_objects 1$/m);
    expect(metrics).toMatch(/^sidestep_cleanup_objects_deleted_total\{job="reconcile-storage"\} 4$/m);

    // Once the object is back, the next pass clears the report.
    await putObject(storage, `images/${lost.id}`, await png(3, 3));
    const second = await runJob('RECONCILE_STORAGE');
    expect(second.counts).toMatchObject({ strayObjectsDeleted: 0, missingObjects: 0, missingCleared: 1 });
    const cleared = await api.gql(MISSING_OBJECTS, {}, adminToken);
    expect(cleared.data!.missingObjects).toMatchObject({ totalCount: 0, edges: [] });
  });

  it('admin operations need the admin role', async () => {
    const user = await signUp(api, 'not-admin');
    const denied = await api.gql(RUN_JOB, { input: { job: 'EXPIRE_GRANTS' } }, user.token);
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(denied.data).toBeNull();
    const anonymous = await api.gql(RUN_JOB, { input: { job: 'EXPIRE_GRANTS' } });
    expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    for (const query of [JOBS, JOB_RUNS, MISSING_OBJECTS]) {
      const refused = await api.gql(query, {}, user.token);
      expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
  });

  it('lists jobs with their last run and pages through runs', async () => {
    const viewer = await api.gql(`{ viewer { id } }`, {}, adminToken);
    const { run } = await runJob('EXPIRE_GRANTS');
    expect(run.requestedById).toBe(viewer.data!.viewer.id);

    const jobs = await api.gql(JOBS, {}, adminToken);
    expect(jobs.errors).toBeUndefined();
    expect(jobs.data!.jobs.map((job: { name: string }) => job.name)).toEqual([
      'EXPIRE_GRANTS',
      'EXPIRE_PROCESSING',
      'PURGE_REJECTED',
      'RECONCILE_STORAGE',
    ]);
    expect(jobs.data!.jobs[0]).toMatchObject({
      schedule: '* * * * *',
      scheduleVariable: 'CLEANUP_EXPIRE_GRANTS_SCHEDULE',
      timezone: 'UTC',
      scheduled: false,
      runningHere: false,
      lastRun: { id: run.id, outcome: 'SUCCEEDED' },
    });

    const [{ count }] = await db.query<{ count: number }>(`select count(*)::int as count from job_runs`);
    const seen: string[] = [];
    let after: string | null = null;
    let startedAt = Infinity;
    for (let page = 0; page < count; page += 1) {
      const result: any = await api.gql(JOB_RUNS, { first: 2, after }, adminToken);
      const connection = result.data.jobRuns;
      expect(connection.totalCount).toBe(count);
      for (const edge of connection.edges) {
        const time = Date.parse(edge.node.startedAt);
        expect(time).toBeLessThanOrEqual(startedAt);
        startedAt = time;
        seen.push(edge.node.id);
      }
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(new Set(seen).size).toBe(count);

    const [{ grantRuns }] = await db.query<{ grantRuns: number }>(
      `select count(*)::int as "grantRuns" from job_runs where job = 'expire-grants'`,
    );
    const filtered = await api.gql(JOB_RUNS, { first: 100, job: 'EXPIRE_GRANTS' }, adminToken);
    const filteredJobs = filtered.data!.jobRuns.edges.map((edge: { node: { job: string } }) => edge.node.job);
    expect(grantRuns).toBeGreaterThan(0);
    expect(filteredJobs.length).toBe(grantRuns);
    expect(new Set(filteredJobs)).toEqual(new Set(['EXPIRE_GRANTS']));

    const badCursor = await api.gql(JOB_RUNS, { after: 'not-a-cursor' }, adminToken);
    expect(badCursor.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('cleanup configuration', () => {
  it('rejects malformed schedules and limits', () => {
    let thrown: unknown;
    try {
      loadConfig({ CLEANUP_EXPIRE_GRANTS_SCHEDULE: 'every minute', JOBS_TIMEZONE: 'Mars/Olympus_Mons', CLEANUP_BATCH_SIZE: '5000' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const problems = (thrown as ConfigError).problems.join('\n');
    expect(problems).toContain('CLEANUP_EXPIRE_GRANTS_SCHEDULE="every minute" is not a valid cron expression');
    expect(problems).toContain('JOBS_TIMEZONE="Mars/Olympus_Mons"');
    expect(problems).toContain('CLEANUP_BATCH_SIZE=5000 is out of range');
  });

  it('documents defaults for every schedule', () => {
    const config = loadConfig({});
    expect(config.jobs).toEqual({
      enabled: true,
      timezone: 'UTC',
      schedules: { expireGrants: '* * * * *', expireProcessing: '*/5 * * * *', purgeRejected: '17 * * * *', reconcileStorage: '41 3 * * *' },
      runRetentionDays: 30,
    });
    expect(config.cleanup).toEqual({
      grantMarginSeconds: 900,
      rejectedRetentionSeconds: 30 * 24 * 3600,
      orphanGraceSeconds: 3600,
      batchSize: 200,
      maxRowsPerRun: 2000,
    });
  });
});

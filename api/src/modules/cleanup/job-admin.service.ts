import type { FilterQuery } from '@mikro-orm/core';
import type { Config } from '../../config/config';
import type { RequestContext } from '../../context';
import { badInput } from '../../errors/app-error';
import { JobRunEntity, JobTrigger } from '../../jobs/job-run.entity';
import type { JobRunner, JobRunResult } from '../../jobs/job-runner';
import { JOBS, type JobDefinition, type JobName } from '../../jobs/schedules';
import type { ImageStatus } from '../images/image.enums';
import { JobPolicy } from './job.policy';

export interface PageRequest {
  first?: number | null;
  after?: string | null;
}

export interface Page<T> {
  edges: { cursor: string; node: T }[];
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: number;
}

export interface JobSummary {
  definition: JobDefinition;
  schedule: string;
  timezone: string;
  /** Whether this process runs the schedules (JOBS_ENABLED). */
  scheduled: boolean;
  /** Whether this process is running the job now. */
  runningHere: boolean;
  lastRun: JobRunEntity | null;
}

export interface MissingObject {
  imageId: string;
  objectKey: string;
  ownerId: string;
  imageStatus: ImageStatus;
  firstDetectedAt: Date;
  lastDetectedAt: Date;
}

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

/** The admin side of background jobs: run one now, list the jobs and their runs, and list missing objects. */
export class JobAdminService {
  constructor(
    private readonly config: Config,
    private readonly runner: JobRunner,
  ) {}

  /** Runs the job on this process and returns when it finished, or at once when it is running elsewhere. */
  async runJob(ctx: RequestContext, job: JobName): Promise<JobRunResult> {
    const viewer = JobPolicy.assertCanManage(ctx.viewer, 'run background jobs');
    ctx.logger.info({ event: 'job.requested', job, userId: viewer.userId });
    return this.runner.run(job, JobTrigger.ADMIN, ctx.services, viewer.userId);
  }

  async listJobs(ctx: RequestContext): Promise<JobSummary[]> {
    JobPolicy.assertCanManage(ctx.viewer, 'see background jobs');
    const latest = await ctx.em.execute<{ id: string }[]>(
      `select distinct on (job) id from job_runs order by job, started_at desc, id desc`,
    );
    const runs = await ctx.em.find(JobRunEntity, { id: { $in: latest.map((row) => row.id) } });
    const lastRunOf = new Map(runs.map((run) => [run.job, run]));
    return JOBS.map((definition) => ({
      definition,
      schedule: definition.schedule(this.config.jobs.schedules),
      timezone: this.config.jobs.timezone,
      scheduled: this.config.jobs.enabled,
      runningHere: this.runner.isRunning(definition.name),
      lastRun: lastRunOf.get(definition.name) ?? null,
    }));
  }

  /** Lists runs newest first, optionally of one job. */
  async listRuns(ctx: RequestContext, page: PageRequest, job?: JobName | null): Promise<Page<JobRunEntity>> {
    JobPolicy.assertCanManage(ctx.viewer, 'see job runs');
    const first = pageSize(page.first);
    const where: FilterQuery<JobRunEntity> = job ? { job } : {};
    const keyset: FilterQuery<JobRunEntity>[] = [];
    if (page.after) {
      const cursor = decodeCursor(page.after);
      keyset.push({ $or: [{ startedAt: { $lt: cursor.at } }, { startedAt: cursor.at, id: { $lt: cursor.id } }] });
    }
    const [rows, totalCount] = await Promise.all([
      ctx.em.find(JobRunEntity, { $and: [where, ...keyset] }, { orderBy: { startedAt: 'desc', id: 'desc' }, limit: first + 1 }),
      ctx.em.count(JobRunEntity, where),
    ]);
    return toPage(rows, first, totalCount, (run) => encodeCursor(run.startedAt, run.id));
  }

  /** Lists images whose object the reconcile pass found missing, most recently found first. */
  async listMissingObjects(ctx: RequestContext, page: PageRequest): Promise<Page<MissingObject>> {
    JobPolicy.assertCanManage(ctx.viewer, 'see missing objects');
    const first = pageSize(page.first);
    const cursor = page.after ? decodeCursor(page.after) : null;
    const rows = await ctx.em.execute<
      { image_id: string; object_key: string; owner_id: string; status: ImageStatus; first_detected_at: Date; last_detected_at: Date }[]
    >(
      `select m.image_id, m.object_key, i.owner_id, i.status, m.first_detected_at, m.last_detected_at
         from storage_missing_objects m
         join images i on i.id = m.image_id
        where ?::timestamptz is null or (m.first_detected_at, m.image_id) < (?::timestamptz, ?::uuid)
        order by m.first_detected_at desc, m.image_id desc
        limit ?`,
      [cursor?.at.toISOString() ?? null, cursor?.at.toISOString() ?? null, cursor?.id ?? null, first + 1],
    );
    const [{ count }] = await ctx.em.execute<{ count: number }[]>(`select count(*)::int as count from storage_missing_objects`);
    const nodes: MissingObject[] = rows.map((row) => ({
      imageId: row.image_id,
      objectKey: row.object_key,
      ownerId: row.owner_id,
      imageStatus: row.status,
      firstDetectedAt: new Date(row.first_detected_at),
      lastDetectedAt: new Date(row.last_detected_at),
    }));
    return toPage(nodes, first, count, (node) => encodeCursor(node.firstDetectedAt, node.imageId));
  }
}

function toPage<T>(rows: T[], first: number, totalCount: number, cursorOf: (row: T) => string): Page<T> {
  const edges = rows.slice(0, first).map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    hasNextPage: rows.length > first,
    endCursor: edges.length > 0 ? edges[edges.length - 1].cursor : null,
    totalCount,
  };
}

function pageSize(first: number | null | undefined): number {
  if (first === undefined || first === null) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badInput(`first=${first} is out of range. Ask for between 1 and ${MAX_PAGE_SIZE} items.`, 'first', { max: MAX_PAGE_SIZE });
  }
  return first;
}

/**
 * Opaque keyset cursor over (time, id), newest first. The times it encodes are
 * stored at millisecond precision, so a JavaScript Date holds them exactly.
 */
function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function decodeCursor(cursor: string): { at: Date; id: string } {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const at = new Date(iso);
  if (!id || !UUID_PATTERN.test(id) || Number.isNaN(at.getTime())) {
    throw badInput(`The cursor "${cursor}" is not valid. Pass an endCursor or cursor from an earlier page.`, 'after');
  }
  return { at, id };
}

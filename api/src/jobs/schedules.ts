import type { JobSchedules } from '../config/config';
import type { RequestContext } from '../context';

/** Every background job. The values name the job in logs, in `job_runs` and on the `jobs:run` command line. */
export enum JobName {
  EXPIRE_GRANTS = 'expire-grants',
  EXPIRE_PROCESSING = 'expire-processing',
  PURGE_REJECTED = 'purge-rejected',
  RECONCILE_STORAGE = 'reconcile-storage',
}

/** Named counts of a run's work, for example `{ rowsExpired: 12, keysDeleted: 24 }`. Handlers add to them as they go. */
export type JobCounts = Record<string, number>;

export interface JobDefinition {
  name: JobName;
  description: string;
  /** The environment variable that sets the schedule; its default is documented in config.ts. */
  scheduleVariable: string;
  schedule(schedules: JobSchedules): string;
  /**
   * Does one bounded run. It must be idempotent and safe against a second runner:
   * the runner's advisory lock keeps replicas apart, and the handler's conditional
   * updates keep it correct even without that lock.
   */
  run(ctx: RequestContext, counts: JobCounts): Promise<void>;
}

/** The one list of schedules. The scheduler, the admin API and the `jobs:run` command all read it. */
export const JOBS: readonly JobDefinition[] = [
  {
    name: JobName.EXPIRE_GRANTS,
    description:
      'Marks grants past their expiry plus a margin as EXPIRED, deletes their uploads and releases their quota reservation. Then deletes the uploads that confirmed images left under incoming/ once their grant is as old.',
    scheduleVariable: 'CLEANUP_EXPIRE_GRANTS_SCHEDULE',
    schedule: (schedules) => schedules.expireGrants,
    run: (ctx, counts) => ctx.services.cleanup.expireGrants(ctx, counts),
  },
  {
    name: JobName.EXPIRE_PROCESSING,
    description: 'Deletes the objects of PROCESSING images past their expiry, marks them EXPIRED and frees their quota.',
    scheduleVariable: 'CLEANUP_EXPIRE_PROCESSING_SCHEDULE',
    schedule: (schedules) => schedules.expireProcessing,
    run: (ctx, counts) => ctx.services.cleanup.expireProcessing(ctx, counts),
  },
  {
    name: JobName.PURGE_REJECTED,
    description: 'Deletes the objects of REJECTED images past the retention period and frees their quota; the rows stay.',
    scheduleVariable: 'CLEANUP_PURGE_REJECTED_SCHEDULE',
    schedule: (schedules) => schedules.purgeRejected,
    run: (ctx, counts) => ctx.services.cleanup.purgeRejected(ctx, counts),
  },
  {
    name: JobName.RECONCILE_STORAGE,
    description:
      'Lists incoming/ and images/, deletes objects older than the grace period that no row claims (such as those of deleted images), and reports rows whose object is missing.',
    scheduleVariable: 'CLEANUP_RECONCILE_STORAGE_SCHEDULE',
    schedule: (schedules) => schedules.reconcileStorage,
    run: (ctx, counts) => ctx.services.reconcile.reconcileStorage(ctx, counts),
  },
];

export function findJob(name: string): JobDefinition | undefined {
  return JOBS.find((job) => job.name === name);
}

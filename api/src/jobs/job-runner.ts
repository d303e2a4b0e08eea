import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../config/config';
import type { RequestContext } from '../context';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics/metrics';
import type { Services } from '../services';
import { tryJobLock } from './advisory-lock';
import { JobRunEntity, JobRunOutcome, JobTrigger } from './job-run.entity';
import { findJob, type JobCounts, type JobDefinition, type JobName } from './schedules';

export enum JobSkipReason {
  /** This process is already running the job. */
  RUNNING_IN_PROCESS = 'RUNNING_IN_PROCESS',
  /** Another process holds the job's advisory lock. */
  LOCKED_ELSEWHERE = 'LOCKED_ELSEWHERE',
  /** This process is shutting down and starts no new runs. */
  SHUTTING_DOWN = 'SHUTTING_DOWN',
}

export type JobRunResult =
  | { job: JobName; ran: false; skipReason: JobSkipReason }
  | { job: JobName; ran: true; run: JobRunEntity };

export interface JobRunnerDependencies {
  config: Config;
  logger: Logger;
  orm: MikroORM;
  metrics: Metrics;
}

const SKIP_MESSAGES: Record<JobSkipReason, string> = {
  [JobSkipReason.RUNNING_IN_PROCESS]: 'Skipped: this process is still running the job.',
  [JobSkipReason.LOCKED_ELSEWHERE]: 'Skipped: another process holds the job lock.',
  [JobSkipReason.SHUTTING_DOWN]: 'Skipped: this process is shutting down.',
};

/** Maximum length of the error message kept in `job_runs.error`. */
const MAX_ERROR_LENGTH = 2000;

/**
 * Runs jobs one at a time per job name: never twice at once in this process,
 * and, through a PostgreSQL advisory lock, never on two processes at once.
 * Each run is recorded in `job_runs` with its counts, even when it fails.
 * One runner serves a process; the scheduler, the admin mutation and the
 * `jobs:run` command all go through it.
 */
export class JobRunner {
  /** `hostname:pid`, recorded with each run. */
  readonly runnerId = `${os.hostname()}:${process.pid}`;
  private readonly running = new Map<JobName, Promise<JobRunResult>>();
  private closed = false;

  constructor(private readonly deps: JobRunnerDependencies) {
    if (!deps.config.databaseUrl) throw new Error('The job runner needs the database URL; start it after the database is known.');
  }

  /** Runs the job now, or returns at once with the reason it was skipped. */
  run(job: JobName, trigger: JobTrigger, services: Services, requestedById?: string): Promise<JobRunResult> {
    const definition = findJob(job);
    if (!definition) throw new Error(`Unknown job "${job}".`);
    if (this.closed) return Promise.resolve(this.skip(job, trigger, JobSkipReason.SHUTTING_DOWN));
    if (this.running.has(job)) return Promise.resolve(this.skip(job, trigger, JobSkipReason.RUNNING_IN_PROCESS));

    // Registered before the first await, so a second call in the same tick sees it.
    const execution = this.execute(definition, trigger, services, requestedById).finally(() => this.running.delete(job));
    this.running.set(job, execution);
    return execution;
  }

  isRunning(job: JobName): boolean {
    return this.running.has(job);
  }

  /** Starts no new runs and resolves when the runs in progress have finished. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.running.values()]);
  }

  private async execute(definition: JobDefinition, trigger: JobTrigger, services: Services, requestedById?: string): Promise<JobRunResult> {
    const { config, logger, orm, metrics } = this.deps;
    const job = definition.name;
    const lock = await tryJobLock(config.databaseUrl!, job, logger);
    if (!lock) return this.skip(job, trigger, JobSkipReason.LOCKED_ELSEWHERE);

    const stopTimer = metrics.jobDuration.startTimer({ job });
    try {
      const em = orm.em.fork();
      await this.closeAbandonedRuns(em, job);
      const id = randomUUID();
      await em.execute(
        `insert into job_runs (id, job, trigger, runner, requested_by_id, started_at, outcome)
         values (?, ?, ?, ?, ?, date_trunc('milliseconds', clock_timestamp()), 'RUNNING')`,
        [id, job, trigger, this.runnerId, requestedById ?? null],
      );
      const runLogger = logger.child({ job, jobRunId: id });
      runLogger.info({ event: 'job.started', trigger, lockKey: lock.key });

      const counts: JobCounts = {};
      const ctx: RequestContext = { requestId: `job-${id}`, viewer: null, em: orm.em.fork(), logger: runLogger, services };
      let failure: { error: unknown } | undefined;
      try {
        await definition.run(ctx, counts);
      } catch (error) {
        failure = { error };
      }

      const outcome = failure ? JobRunOutcome.FAILED : JobRunOutcome.SUCCEEDED;
      await em.execute(
        `update job_runs set finished_at = date_trunc('milliseconds', clock_timestamp()), outcome = ?, counts = ?::jsonb, error = ? where id = ?`,
        [outcome, JSON.stringify(counts), failure ? describeError(failure.error) : null, id],
      );
      await em.execute(`delete from job_runs where job = ? and started_at < now() - make_interval(days => ?)`, [
        job,
        config.jobs.runRetentionDays,
      ]);

      metrics.jobRuns.inc({ job, outcome: outcome.toLowerCase() });
      if (failure) {
        runLogger.error({ event: 'job.failed', trigger, counts, err: failure.error }, `Job ${job} failed; the next run continues where it stopped.`);
      } else {
        runLogger.info({ event: 'job.finished', trigger, counts }, `Job ${job} finished.`);
      }
      const run = await em.findOneOrFail(JobRunEntity, id, { refresh: true });
      return { job, ran: true, run };
    } finally {
      stopTimer();
      await lock.release();
    }
  }

  /**
   * Closes runs that a process left RUNNING when it died. Holding the lock
   * proves that no other process is running this job now.
   */
  private async closeAbandonedRuns(em: EntityManager, job: JobName): Promise<void> {
    const closed: { id: string }[] = await em.execute(
      `update job_runs
          set outcome = 'FAILED', finished_at = date_trunc('milliseconds', clock_timestamp()),
              error = 'The process running this job stopped before the run finished.'
        where job = ? and outcome = 'RUNNING'
        returning id`,
      [job],
    );
    for (const row of closed) this.deps.logger.warn({ event: 'job.abandoned_run_closed', job, jobRunId: row.id });
  }

  private skip(job: JobName, trigger: JobTrigger, reason: JobSkipReason): JobRunResult {
    this.deps.logger.info({ event: 'job.skipped', job, trigger, reason }, SKIP_MESSAGES[reason]);
    this.deps.metrics.jobRuns.inc({ job, outcome: 'skipped' });
    return { job, ran: false, skipReason: reason };
  }
}

function describeError(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return message.length > MAX_ERROR_LENGTH ? `${message.slice(0, MAX_ERROR_LENGTH - 1)}…` : message;
}


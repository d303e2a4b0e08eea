import { Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { JobName, type JobCounts } from './schedules';

/** The source that started a run. */
export enum JobTrigger {
  SCHEDULE = 'SCHEDULE',
  ADMIN = 'ADMIN',
  CLI = 'CLI',
}

export enum JobRunOutcome {
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}

/**
 * One run of a job, written by the runner while it holds the job's lock.
 * Times come from the database clock, so runs of different replicas compare,
 * and are cut to milliseconds, so a JavaScript Date holds them exactly.
 */
@Entity({ tableName: 'job_runs' })
export class JobRunEntity {
  [OptionalProps]?: 'counts';

  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Enum({ items: () => JobName, type: 'text' })
  job!: JobName;

  @Enum({ items: () => JobTrigger, type: 'text' })
  trigger!: JobTrigger;

  /** `hostname:pid` of the process that ran the job. */
  @Property({ type: 'text' })
  runner!: string;

  /** The admin who started the run; null for scheduled and command-line runs. */
  @Property({ type: 'uuid', nullable: true })
  requestedById?: string;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  startedAt!: Date;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  finishedAt?: Date;

  @Enum({ items: () => JobRunOutcome, type: 'text' })
  outcome!: JobRunOutcome;

  /** Counts the run recorded, kept also when it failed halfway. */
  @Property({ type: 'json' })
  counts: JobCounts = {};

  /** Message of the error that ended a FAILED run. */
  @Property({ type: 'text', nullable: true })
  error?: string;
}

import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfo } from '../../graphql/connection.types';
import { JobRunOutcome, JobTrigger, type JobRunEntity } from '../../jobs/job-run.entity';
import { JobSkipReason, type JobRunResult } from '../../jobs/job-runner';
import { JobName } from '../../jobs/schedules';
import { ImageStatus } from '../images/image.enums';
import type { JobSummary, MissingObject } from './job-admin.service';

registerEnumType(JobName, {
  name: 'JobName',
  description: 'A background job. `npm run jobs:run -- <name>` takes the same jobs in kebab case, for example expire-grants.',
  valuesConfig: {
    EXPIRE_GRANTS: { description: 'Expires unused upload grants, deletes their uploads and releases their quota.' },
    EXPIRE_PROCESSING: { description: 'Deletes the objects of PROCESSING images past their expiry.' },
    PURGE_REJECTED: { description: 'Deletes the objects of REJECTED images past the retention period.' },
    RECONCILE_STORAGE: { description: 'Deletes objects no image claims and reports images whose object is missing.' },
  },
});
registerEnumType(JobTrigger, {
  name: 'JobTrigger',
  description: 'The source that started a job run.',
  valuesConfig: {
    SCHEDULE: { description: 'The cron schedule.' },
    ADMIN: { description: 'An admin, through runJob.' },
    CLI: { description: 'An operator, through `npm run jobs:run`.' },
  },
});
registerEnumType(JobRunOutcome, {
  name: 'JobRunOutcome',
  description: 'How a job run ended.',
  valuesConfig: {
    RUNNING: { description: 'Still running.' },
    SUCCEEDED: { description: 'Finished; the counts say what it did.' },
    FAILED: { description: 'Stopped on an error; the work it committed is in the counts, and the next run continues.' },
  },
});
registerEnumType(JobSkipReason, {
  name: 'JobSkipReason',
  description: 'The reason a job did not run when requested.',
  valuesConfig: {
    RUNNING_IN_PROCESS: { description: 'The replica that received the request is running the job already.' },
    LOCKED_ELSEWHERE: { description: 'Another replica is running the job.' },
    SHUTTING_DOWN: { description: 'The replica is shutting down.' },
  },
});

@ObjectType({ description: 'One named count of a job run.' })
export class JobCount {
  @Field({ description: 'Name of the count, for example rowsExpired or keysDeleted.' })
  name!: string;

  @Field(() => Int, { description: 'The count.' })
  value!: number;
}

@ObjectType('JobRun', { description: 'One run of a background job.' })
export class JobRunType {
  @Field(() => ID, { description: 'Stable opaque id; logs carry it as jobRunId.' })
  id!: string;

  @Field(() => JobName, { description: 'The job that ran.' })
  job!: JobName;

  @Field(() => JobTrigger, { description: 'What started the run.' })
  trigger!: JobTrigger;

  @Field({ description: 'The process that ran the job, as hostname:pid.' })
  runner!: string;

  @Field(() => ID, { nullable: true, description: 'The admin who started the run; null for scheduled and command-line runs.' })
  requestedById!: string | null;

  @Field({ description: 'When the run took the job lock, by the database clock.' })
  startedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the run ended; null while it is running.' })
  finishedAt!: Date | null;

  @Field(() => JobRunOutcome, { description: 'How the run ended.' })
  outcome!: JobRunOutcome;

  @Field(() => [JobCount], { description: 'Counts of the work the run did, such as rows changed and object keys deleted, sorted by name.' })
  counts!: JobCount[];

  @Field(() => String, { nullable: true, description: 'The error that ended a FAILED run.' })
  error!: string | null;

  static from(run: JobRunEntity): JobRunType {
    const type = new JobRunType();
    type.id = run.id;
    type.job = run.job;
    type.trigger = run.trigger;
    type.runner = run.runner;
    type.requestedById = run.requestedById ?? null;
    type.startedAt = run.startedAt;
    type.finishedAt = run.finishedAt ?? null;
    type.outcome = run.outcome;
    type.counts = Object.entries(run.counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => ({ name, value }));
    type.error = run.error ?? null;
    return type;
  }
}

@ObjectType({ description: 'A job run in a connection.' })
export class JobRunEdge {
  @Field({ description: 'Opaque cursor of this edge.' })
  cursor!: string;

  @Field(() => JobRunType, { description: 'The run.' })
  node!: JobRunType;
}

@ObjectType({ description: 'A page of job runs, newest first.' })
export class JobRunConnection {
  @Field(() => [JobRunEdge], { description: 'The runs of this page with their cursors.' })
  edges!: JobRunEdge[];

  @Field(() => PageInfo, { description: 'Where this page ends and whether more follow.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Number of runs matching the filter; runs older than JOB_RUN_RETENTION_DAYS are pruned.' })
  totalCount!: number;
}

@ObjectType('Job', { description: 'A background job, its schedule and its last run.' })
export class JobType {
  @Field(() => JobName, { description: 'The job.' })
  name!: JobName;

  @Field({ description: 'What the job does.' })
  description!: string;

  @Field({ description: 'Cron expression of the schedule, in node-cron syntax with an optional leading seconds field.' })
  schedule!: string;

  @Field({ description: 'The environment variable that sets the schedule.' })
  scheduleVariable!: string;

  @Field({ description: 'IANA time zone the schedule is read in (JOBS_TIMEZONE).' })
  timezone!: string;

  @Field({ description: 'Whether the replica that served the request runs the schedules (JOBS_ENABLED).' })
  scheduled!: boolean;

  @Field({ description: 'Whether the replica that served the request is running the job now.' })
  runningHere!: boolean;

  @Field(() => JobRunType, { nullable: true, description: 'The latest run on any replica; null when the job never ran.' })
  lastRun!: JobRunType | null;

  static from(summary: JobSummary): JobType {
    const type = new JobType();
    type.name = summary.definition.name;
    type.description = summary.definition.description;
    type.schedule = summary.schedule;
    type.scheduleVariable = summary.definition.scheduleVariable;
    type.timezone = summary.timezone;
    type.scheduled = summary.scheduled;
    type.runningHere = summary.runningHere;
    type.lastRun = summary.lastRun ? JobRunType.from(summary.lastRun) : null;
    return type;
  }
}

@InputType({ description: 'Which job to run now.' })
export class RunJobInput {
  @Field(() => JobName, { description: 'The job to run.' })
  job!: JobName;
}

@ObjectType({ description: 'The result of runJob: the finished run, or why the job did not run.' })
export class RunJobPayload {
  @Field(() => JobName, { description: 'The job that was asked for.' })
  job!: JobName;

  @Field({ description: 'Whether the job ran; false when it was running already.' })
  ran!: boolean;

  @Field(() => JobSkipReason, { nullable: true, description: 'Why the job did not run; null when it ran.' })
  skipReason!: JobSkipReason | null;

  @Field(() => JobRunType, { nullable: true, description: 'The finished run; null when the job did not run.' })
  run!: JobRunType | null;

  static from(result: JobRunResult): RunJobPayload {
    const payload = new RunJobPayload();
    payload.job = result.job;
    payload.ran = result.ran;
    payload.skipReason = result.ran ? null : result.skipReason;
    payload.run = result.ran ? JobRunType.from(result.run) : null;
    return payload;
  }
}

@ObjectType('MissingObject', { description: 'A confirmed image whose object the reconcile pass could not find in storage.' })
export class MissingObjectType {
  @Field(() => ID, { description: 'The image.' })
  imageId!: string;

  @Field({ description: 'The storage key that is missing.' })
  objectKey!: string;

  @Field(() => ID, { description: 'The owner of the image.' })
  ownerId!: string;

  @Field(() => ImageStatus, { description: 'The status of the image now.' })
  imageStatus!: ImageStatus;

  @Field({ description: 'When a reconcile pass first found the object missing.' })
  firstDetectedAt!: Date;

  @Field({ description: 'When a reconcile pass last found the object missing.' })
  lastDetectedAt!: Date;

  static from(missing: MissingObject): MissingObjectType {
    return Object.assign(new MissingObjectType(), missing);
  }
}

@ObjectType({ description: 'A missing object in a connection.' })
export class MissingObjectEdge {
  @Field({ description: 'Opaque cursor of this edge.' })
  cursor!: string;

  @Field(() => MissingObjectType, { description: 'The missing object.' })
  node!: MissingObjectType;
}

@ObjectType({ description: 'A page of missing objects, most recently found first.' })
export class MissingObjectConnection {
  @Field(() => [MissingObjectEdge], { description: 'The missing objects of this page with their cursors.' })
  edges!: MissingObjectEdge[];

  @Field(() => PageInfo, { description: 'Where this page ends and whether more follow.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Number of images whose object is missing.' })
  totalCount!: number;
}

@ArgsType()
export class JobPageArgs {
  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100; default 20.' })
  first?: number;

  @Field(() => String, { nullable: true, description: 'Return items after this cursor.' })
  after?: string;
}

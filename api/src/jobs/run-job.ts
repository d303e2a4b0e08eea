import 'reflect-metadata';
import { ConfigError, loadConfig, withDatabaseUrl, withStorage, type Config } from '../config/config';
import { openDatabase } from '../db/orm';
import { createLogger } from '../logging/logger';
import { Metrics } from '../metrics/metrics';
import { createServices } from '../services';
import { S3ObjectStorage } from '../storage/s3-object-storage';
import { JobRunOutcome, JobTrigger } from './job-run.entity';
import { JobRunner } from './job-runner';
import { JOBS, findJob } from './schedules';

/**
 * Runs one job now: `npm run jobs:run -- <job>`. It takes the job lock like
 * every replica does, so it never runs alongside a scheduled run.
 *
 * Exit codes: 0 the run succeeded, 1 it failed, 2 bad usage or configuration,
 * 3 the job is running elsewhere and was skipped.
 */
const USAGE = `Usage: npm run jobs:run -- <job>\nJobs:\n${JOBS.map((job) => `  ${job.name.padEnd(18)} ${job.description}`).join('\n')}\n`;

/**
 * Without DATABASE_URL or S3_ENDPOINT the API starts embedded servers. The
 * command then connects to the servers of a running `npm start`, with the
 * fixed credentials that api/src/embedded/ gives them.
 */
function withEmbeddedServices(config: Config): Config {
  let resolved = config;
  if (!resolved.databaseUrl) {
    resolved = withDatabaseUrl(resolved, `postgres://sidestep:sidestep@127.0.0.1:${config.embeddedPostgresPort}/sidestep`);
  }
  if (resolved.embeddedS3) {
    resolved = withStorage(resolved, { endpoint: `http://127.0.0.1:${config.embeddedS3Port}` });
  }
  return resolved;
}

async function main(argv: string[]): Promise<number> {
  const name = argv[0];
  const definition = name === undefined ? undefined : findJob(name);
  if (!definition || argv.length !== 1) {
    process.stderr.write(name === undefined || definition ? USAGE : `Unknown job "${name}".\n${USAGE}`);
    return 2;
  }

  let config: Config;
  try {
    config = withEmbeddedServices(loadConfig());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }

  const logger = createLogger(config.logLevel);
  const orm = await openDatabase(config.databaseUrl!, logger);
  const storage = new S3ObjectStorage(config.s3, config.view, logger);
  try {
    const pending = await orm.getMigrator().getPendingMigrations();
    if (pending.length > 0) {
      process.stderr.write(`The database lacks ${pending.length} migrations; start the API once to apply them, then run the job.\n`);
      return 2;
    }

    const metrics = new Metrics();
    const jobs = new JobRunner({ config, logger, orm, metrics });
    const services = createServices({ config, logger, orm, storage, metrics, jobs });
    const result = await jobs.run(definition.name, JobTrigger.CLI, services);
    if (!result.ran) {
      process.stdout.write(`${JSON.stringify({ job: result.job, ran: false, skipReason: result.skipReason })}\n`);
      return 3;
    }
    const { run } = result;
    process.stdout.write(`${JSON.stringify({ job: run.job, ran: true, id: run.id, outcome: run.outcome, counts: run.counts, error: run.error ?? null })}\n`);
    return run.outcome === JobRunOutcome.SUCCEEDED ? 0 : 1;
  } finally {
    storage.destroy();
    await orm.close(true);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`The job could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);

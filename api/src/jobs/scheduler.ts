import { createTask, type Logger as CronLogger, type ScheduledTask } from 'node-cron';
import type { JobsConfig } from '../config/config';
import type { Logger } from '../logging/logger';
import type { Services } from '../services';
import { JobTrigger } from './job-run.entity';
import type { JobRunner } from './job-runner';
import { JOBS, type JobName } from './schedules';

/**
 * Starts every job in {@link JOBS} on its cron schedule. Every replica runs the
 * same schedules; the runner lets one of them work per tick and logs the
 * others' ticks as skipped.
 */
export class JobScheduler {
  private readonly tasks: ScheduledTask[] = [];

  constructor(
    private readonly runner: JobRunner,
    private readonly services: Services,
    private readonly config: JobsConfig,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const cronLogger = adaptLogger(this.logger);
    for (const job of JOBS) {
      const expression = job.schedule(this.config.schedules);
      // Overlap is left to the runner, which also covers runs that an admin started.
      const task = createTask(expression, () => this.tick(job.name), {
        name: job.name,
        timezone: this.config.timezone,
        logger: cronLogger,
      });
      task.on('execution:missed', (context) => {
        this.logger.warn({ event: 'job.tick_missed', job: job.name, scheduledAt: context.date }, 'A tick was missed; the event loop was blocked.');
      });
      task.start();
      this.tasks.push(task);
      this.logger.info({ event: 'job.scheduled', job: job.name, schedule: expression, timezone: this.config.timezone });
    }
  }

  /** Stops the ticks and waits for the runs in progress, including those an admin started. */
  async stop(): Promise<void> {
    for (const task of this.tasks.splice(0)) await task.destroy();
    await this.runner.close();
  }

  private async tick(job: JobName): Promise<void> {
    try {
      await this.runner.run(job, JobTrigger.SCHEDULE, this.services);
    } catch (error) {
      // Failures inside a run are recorded by the runner; this is a failure to start one, such as no database.
      this.logger.error({ event: 'job.start_failed', job, err: error }, `Job ${job} could not start; the next tick tries again.`);
    }
  }
}

/** Routes node-cron's own messages into the structured log. */
function adaptLogger(logger: Logger): CronLogger {
  return {
    info: (message) => logger.debug({ event: 'cron.log' }, message),
    debug: (message) => logger.debug({ event: 'cron.log' }, String(message)),
    warn: (message) => logger.warn({ event: 'cron.log' }, message),
    error: (message, error) => logger.error({ event: 'cron.error', err: error ?? message }, String(message)),
  };
}

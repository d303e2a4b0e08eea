import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../logging/logger';

/** A held session-level advisory lock and the connection that holds it. */
export interface AdvisoryLock {
  readonly key: string;
  release(): Promise<void>;
}

/**
 * Derives the 64-bit lock key from the job name in JavaScript, so every
 * replica and PostgreSQL version computes the same key.
 */
export function jobLockKey(job: string): string {
  return createHash('sha256').update(`sidestep.job:${job}`).digest().readBigInt64BE(0).toString();
}

/**
 * Tries to take the job's advisory lock on a connection of its own, and
 * returns null when another session has it. The lock lives as long as that
 * connection. When the process dies its socket closes and PostgreSQL releases
 * the lock at once; when a whole host vanishes, that waits for TCP keepalive.
 */
export async function tryJobLock(databaseUrl: string, job: string, logger: Logger): Promise<AdvisoryLock | null> {
  const key = jobLockKey(job);
  const client = new pg.Client({ connectionString: databaseUrl, application_name: `sidestep job ${job}` });
  // Without a listener a dropped connection would crash the process.
  client.on('error', (error) => logger.warn({ event: 'job.lock_connection_lost', job, err: error }));
  await client.connect();

  let locked = false;
  try {
    const result = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1::bigint) as locked', [key]);
    locked = result.rows[0].locked;
  } finally {
    if (!locked) await client.end().catch(() => undefined);
  }
  if (!locked) return null;

  return {
    key,
    async release() {
      try {
        await client.query('select pg_advisory_unlock($1::bigint)', [key]);
      } catch (error) {
        // Closing the connection below releases the lock anyway.
        logger.warn({ event: 'job.lock_release_failed', job, err: error });
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  };
}

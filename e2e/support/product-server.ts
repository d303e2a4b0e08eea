import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Time the product may take to return 200 from `/readyz`, including a first PostgreSQL initdb. */
const READY_TIMEOUT_MS = 180_000;
const READY_POLL_INTERVAL_MS = 250;
/** Time a stopping product may take to drain requests and stop its embedded services. */
const STOP_TIMEOUT_MS = 60_000;

/** The product as the browser tests see it. The test workers receive it as E2E_* variables. */
export interface ProductServer {
  /** Page origin, `http://localhost:<port>`: a secure context, so the service worker registers. */
  appOrigin: string;
  /** Origin of the embedded S3 server that browsers PUT to and load images from. */
  storageOrigin: string;
  /** Process id of `node dist/api/main.js`. */
  pid: number;
  /** Temporary DATA_DIR, removed after the run. */
  dataDir: string;
  /** File receiving the product's stdout and stderr. */
  logFile: string;
}

export const REPOSITORY_ROOT = path.resolve(__dirname, '..', '..');

/**
 * The admin account that the product creates at start from ADMIN_EMAIL and ADMIN_PASSWORD.
 * Tests that need a moderator sign in with it. Accounts that tests sign up stay plain users.
 */
export const E2E_ADMIN = Object.freeze({ email: 'admin@example.test', password: 'e2e admin password' });

/** Asks the kernel for a free loopback port. Another process could take it before the product binds it, which is rare. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function logTail(logFile: string): string {
  return existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-3000) : '(no log written)';
}

/**
 * Starts the built product, `node dist/api/main.js`, with embedded PostgreSQL and S3 under a
 * temporary DATA_DIR and free loopback ports, and resolves once `GET /readyz` returns 200.
 * `settings` adds environment variables such as UPLOAD_MAX_BYTES. The variables that this
 * function sets itself (DATA_DIR, the ports, APP_ORIGIN and the others below) win over them.
 */
export async function startProductServer(
  settings: Readonly<Record<string, string>> = {},
): Promise<{ server: ProductServer; child: ChildProcess }> {
  const mainScript = path.join(REPOSITORY_ROOT, 'dist', 'api', 'main.js');
  const clientIndex = path.join(REPOSITORY_ROOT, 'dist', 'client', 'browser', 'index.html');
  for (const required of [mainScript, clientIndex]) {
    if (!existsSync(required)) {
      throw new Error(`${required} is missing. Run \`npm run build\` before the browser tests.`);
    }
  }

  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sidestep-e2e-'));
  // When the tests run as root, PostgreSQL runs as the "postgres" system user and must reach its directory.
  chmodSync(dataDir, 0o755);
  const logFile = path.join(dataDir, 'product.log');
  const [port, postgresPort, s3Port] = [await freePort(), await freePort(), await freePort()];
  const appOrigin = `http://localhost:${port}`;

  const output = openSync(logFile, 'a');
  const child = spawn(process.execPath, [mainScript], {
    cwd: REPOSITORY_ROOT,
    // A minimal environment, so that DATABASE_URL or S3_* set in the caller's shell cannot
    // turn the embedded services off.
    env: {
      ...settings,
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TMPDIR: process.env.TMPDIR,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATA_DIR: dataDir,
      PORT: String(port),
      EMBEDDED_POSTGRES_PORT: String(postgresPort),
      EMBEDDED_S3_PORT: String(s3Port),
      APP_ORIGIN: appOrigin,
      CLIENT_DIR: path.dirname(clientIndex),
      ADMIN_EMAIL: E2E_ADMIN.email,
      ADMIN_PASSWORD: E2E_ADMIN.password,
    },
    stdio: ['ignore', output, output],
  });
  if (child.pid === undefined) throw new Error(`Could not start ${mainScript}. See ${logFile}.`);

  const server: ProductServer = {
    appOrigin,
    storageOrigin: `http://localhost:${s3Port}`,
    pid: child.pid,
    dataDir,
    logFile,
  };
  try {
    await waitUntilReady(server, child);
  } catch (error) {
    await stopProductServer(server);
    throw error;
  }
  return { server, child };
}

async function waitUntilReady(server: ProductServer, child: ChildProcess): Promise<void> {
  const readyUrl = `http://127.0.0.1:${new URL(server.appOrigin).port}/readyz`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastProblem = 'no answer yet';

  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `The product exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready. Its log:\n${logTail(server.logFile)}`,
      );
    }
    try {
      const response = await fetch(readyUrl);
      if (response.status === 200) return;
      lastProblem = `GET /readyz returned ${response.status}`;
    } catch (error) {
      lastProblem = `GET /readyz failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_INTERVAL_MS));
  }
  throw new Error(`The product was not ready within ${READY_TIMEOUT_MS / 1000} s (${lastProblem}). Its log:\n${logTail(server.logFile)}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

/**
 * Stops the product by its process id: SIGTERM, which makes it drain requests and stop embedded
 * PostgreSQL and S3, then waits for it to exit. The S3 child exits with its parent. When the
 * product hangs, it gets SIGKILL and its PostgreSQL server, which would outlive it, gets SIGINT.
 */
export async function stopProductServer(server: ProductServer): Promise<void> {
  if (!isAlive(server.pid)) return;
  process.kill(server.pid, 'SIGTERM');
  if (await waitForExit(server.pid, STOP_TIMEOUT_MS)) return;

  process.stderr.write(`The product (pid ${server.pid}) did not stop within ${STOP_TIMEOUT_MS / 1000} s after SIGTERM, so it gets SIGKILL.\n`);
  process.kill(server.pid, 'SIGKILL');
  await waitForExit(server.pid, 10_000);
  const postmasterPid = path.join(server.dataDir, 'postgres', 'postmaster.pid');
  if (existsSync(postmasterPid)) {
    const pid = Number(readFileSync(postmasterPid, 'utf8').split('\n')[0]);
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
      process.kill(pid, 'SIGINT');
      await waitForExit(pid, 10_000);
    }
  }
}

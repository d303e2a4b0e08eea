import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { ApiRequest, ApiResponse, ApiStats, JobRunReport, ViewUrlMode } from './api-protocol';

const REGISTER = path.join(__dirname, 'swc-register.cjs');
const API_PROCESS = path.join(__dirname, 'api-process.ts');
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;

/**
 * Settings every benchmark API runs with: the proxy baseline route on, and
 * limits high enough that quotas and rate limits never stop a run.
 */
export const BENCH_API_ENV: Readonly<Record<string, string>> = {
  HOST: '127.0.0.1',
  PORT: '0',
  BENCH_PROXY_ROUTE: 'true',
  LOG_LEVEL: 'warn',
  CLIENT_DIR: '/nonexistent',
  APP_ORIGIN: 'http://localhost:4000',
  QUOTA_BYTES: String(1024 ** 4),
  QUOTA_IMAGES: '100000000',
  UPLOAD_RATE_LIMIT: '100000000',
  // Scheduled jobs would run in the middle of a measurement; the cleanup benchmark starts its job itself.
  JOBS_ENABLED: 'false',
};

/** Variables of the parent's environment that the child needs to run at all; Sidestep's own settings are never inherited. */
const INHERITED = ['PATH', 'HOME', 'USER', 'LANG', 'TMPDIR', 'SystemRoot'];

export interface ApiProcess {
  url: string;
  databaseUrl: string;
  s3Endpoint: string;
  bucket: string;
  /** The child's process id, for reports. */
  pid: number;
  stats(): Promise<ApiStats>;
  /** Collects garbage in the API process; call it before a sample's first stats, outside the measurement. */
  collectGarbage(): Promise<void>;
  setViewUrlMode(mode: ViewUrlMode): Promise<void>;
  runJob(job: string): Promise<JobRunReport>;
  stop(): Promise<void>;
}

/** Starts `api-process.ts` in a child process with `env` and resolves once it listens. */
export async function startApiProcess(env: Record<string, string>): Promise<ApiProcess> {
  const childEnv: Record<string, string> = {};
  for (const name of INHERITED) if (process.env[name] !== undefined) childEnv[name] = process.env[name]!;
  Object.assign(childEnv, BENCH_API_ENV, env);

  const child: ChildProcess = spawn(process.execPath, [...(process.env.BENCH_API_NODE_OPTIONS?.split(' ') ?? []), '--expose-gc', '-r', REGISTER, API_PROCESS], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const keepOutput = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout!.on('data', keepOutput);
  child.stderr!.on('data', keepOutput);

  const pending = new Map<number, { resolve(message: ApiResponse): void; reject(error: Error): void }>();
  let nextId = 1;
  child.on('message', (message: ApiResponse) => {
    if ('id' in message) {
      pending.get(message.id)?.resolve(message);
      pending.delete(message.id);
    }
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      for (const call of pending.values()) call.reject(new Error(`The benchmark API exited with code ${code}:\n${output}`));
      pending.clear();
      resolve(code);
    }),
  );

  const ready = await new Promise<Extract<ApiResponse, { type: 'ready' }>>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`The benchmark API did not start within ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    child.on('message', (message: ApiResponse) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message);
      } else if (message.type === 'failed') {
        clearTimeout(timer);
        reject(new Error(`The benchmark API failed to start: ${message.message}`));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`The benchmark API exited with code ${code} before it was ready:\n${output}`));
    });
  });

  try {
    await pinPrefixDirectories(ready.s3Endpoint, ready.bucket);
  } catch (error) {
    child.kill('SIGTERM');
    throw error;
  }

  const call = <T extends ApiResponse>(request: ApiRequest & { id: number }) =>
    new Promise<T>((resolve, reject) => {
      if (!child.connected) return reject(new Error(`The benchmark API has stopped:\n${output}`));
      pending.set(request.id, { resolve: (message) => resolve(message as T), reject });
      child.send(request);
    });

  return {
    ...ready,
    pid: child.pid!,
    async stats() {
      const response = await call<Extract<ApiResponse, { type: 'stats' }>>({ type: 'stats', id: nextId++ });
      return response.stats;
    },
    async collectGarbage() {
      await call({ type: 'collect-garbage', id: nextId++ });
    },
    async setViewUrlMode(mode) {
      await call({ type: 'view-url-mode', id: nextId++, mode });
    },
    async runJob(job) {
      const response = await call<Extract<ApiResponse, { type: 'run-job' }>>({ type: 'run-job', id: nextId++, job });
      return response.result;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ type: 'stop' } satisfies ApiRequest);
      const timer = setTimeout(() => child.kill('SIGTERM'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Stores a marker object under `incoming/` and `images/`. The embedded S3
 * server keeps each key prefix as a directory and removes the directory
 * together with its contents when a delete leaves it empty. A PUT under that
 * prefix that runs concurrently can lose its object that way, so a confirm
 * deleting the last `incoming/` object could wipe another client's fresh
 * upload. The markers keep both directories from ever being empty.
 */
async function pinPrefixDirectories(s3Endpoint: string, bucket: string): Promise<void> {
  for (const prefix of ['incoming/', 'images/']) {
    const response = await fetch(`${s3Endpoint}/${bucket}/${prefix}.bench-marker`, { method: 'PUT', body: 'marker' });
    if (response.status !== 200) throw new Error(`Storing the ${prefix} marker failed with status ${response.status}.`);
  }
}

/** Asks the kernel for a free loopback port. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts an API for one benchmark. Under Jest it uses the PostgreSQL and S3
 * servers of the test run, with a fresh database and bucket. Elsewhere it
 * starts embedded ones under a temporary DATA_DIR, which stop() removes.
 */
export async function startBenchApi(env: Record<string, string> = {}): Promise<ApiProcess> {
  const adminUrl = process.env.TEST_POSTGRES_ADMIN_URL;
  const s3Endpoint = process.env.TEST_S3_ENDPOINT;
  if (adminUrl && s3Endpoint) {
    const suffix = randomBytes(5).toString('hex');
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(`create database "bench_${suffix}"`);
    } finally {
      await client.end();
    }
    return startApiProcess({
      DATABASE_URL: adminUrl.replace(/\/postgres$/, `/bench_${suffix}`),
      S3_ENDPOINT: s3Endpoint,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_BUCKET: `bench-${suffix}`,
      ...env,
    });
  }

  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sidestep-bench-'));
  // PostgreSQL runs as the "postgres" system user when started as root; it must reach its directory.
  chmodSync(dataDir, 0o755);
  try {
    const api = await startApiProcess({
      DATA_DIR: dataDir,
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
      EMBEDDED_S3_PORT: '0',
      ...env,
    });
    return {
      ...api,
      async stop() {
        await api.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** CPU microseconds (user plus system) between two stats. */
export function cpuDelta(before: ApiStats, after: ApiStats): number {
  return after.cpuMicros.user + after.cpuMicros.system - before.cpuMicros.user - before.cpuMicros.system;
}

/** Bytes read plus written on the API's HTTP server sockets between two stats. */
export function httpBytesDelta(before: ApiStats, after: ApiStats): number {
  return after.httpServer.read + after.httpServer.written - before.httpServer.read - before.httpServer.written;
}

/** Bytes read plus written on the API's connections to storage between two stats. */
export function storageBytesDelta(before: ApiStats, after: ApiStats): number {
  return after.storage.read + after.storage.written - before.storage.read - before.storage.written;
}

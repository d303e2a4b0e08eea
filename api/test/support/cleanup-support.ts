import { spawn } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import pino from 'pino';
import type { Logger } from '../../src/logging/logger';
import type { ObjectStorage } from '../../src/storage/object-storage';
import { png, putToStorage, requestGrant, type Grant } from './fixtures';
import type { TestApi } from './test-api';

const REPO_ROOT = path.resolve(__dirname, '../../..');
// The benchmarks' SWC hook, which the API's child processes share.
const REGISTER_TYPESCRIPT = path.resolve(__dirname, '../../../bench/support/swc-register.cjs');
const MAIN = path.join(REPO_ROOT, 'api/src/main.ts');
const RUN_JOB = path.join(REPO_ROOT, 'api/src/jobs/run-job.ts');

export const ADMIN_ENV = { ADMIN_EMAIL: 'cleanup-admin@example.test', ADMIN_PASSWORD: 'cleanup admin password' };

/** Polls `read` until `done` accepts its value; fails with `what` and the last value after `timeoutMs`. */
export async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A pool on the test API's own database, for seeding and for checking rows. */
export class TestDatabase {
  readonly pool: pg.Pool;

  constructor(readonly url: string) {
    this.pool = new pg.Pool({ connectionString: url, max: 4 });
  }

  async query<T extends pg.QueryResultRow = Record<string, any>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query<T>(sql, params)).rows;
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

export async function signInAdmin(api: TestApi): Promise<string> {
  const result = await api.gql<{ signIn: { token: string } }>(`mutation ($input: SignInInput!) { signIn(input: $input) { token } }`, {
    input: { email: ADMIN_ENV.ADMIN_EMAIL, password: ADMIN_ENV.ADMIN_PASSWORD },
  });
  if (!result.data) throw new Error(`signIn failed: ${JSON.stringify(result.errors)}`);
  return result.data.signIn.token;
}

export interface SeededUpload {
  id: string;
  byteSize: number;
  grant: Grant;
}

/** Requests a grant for a small PNG and, when `upload` is set, PUTs the bytes with it. */
export async function seedUpload(api: TestApi, token: string, options: { upload: boolean; purpose?: string }): Promise<SeededUpload> {
  const bytes = await png(4 + Math.floor(Math.random() * 60), 4);
  const grant = await requestGrant(api, token, {
    filename: 'seed.png',
    contentType: 'image/png',
    byteSize: bytes.length,
    ...(options.purpose ? { purpose: options.purpose } : {}),
  });
  if (options.upload) {
    const response = await putToStorage(grant, bytes);
    if (response.status !== 200) throw new Error(`PUT of seeded upload failed with ${response.status}`);
  }
  return { id: grant.image.id, byteSize: bytes.length, grant };
}

/** Writes `bytes` at any key through a presigned PUT, as a crashed or foreign writer would leave it. */
export async function putObject(storage: ObjectStorage, key: string, bytes: Buffer): Promise<void> {
  const grant = await storage.createUploadGrant({ key, contentType: 'image/png', contentLength: bytes.length, expiresInSeconds: 60 });
  const response = await fetch(grant.url, { method: 'PUT', headers: grant.headers, body: bytes });
  if (response.status !== 200) throw new Error(`PUT ${key} failed with ${response.status}`);
}

/** Settings that let a process reach the test API's database and bucket. */
export function sharedEnv(api: TestApi): Record<string, string> {
  const { config } = api.sidestep;
  return {
    DATABASE_URL: config.databaseUrl!,
    S3_ENDPOINT: config.s3.endpoint!,
    S3_ACCESS_KEY_ID: config.s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: config.s3.secretAccessKey,
    S3_BUCKET: config.s3.bucket,
    APP_ORIGIN: 'http://localhost:4000',
    CLIENT_DIR: '/nonexistent',
  };
}

/** Builds a clean environment for a child, so no settings of the test process leak into its configuration. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
}

export interface ApiProcess {
  pid: number;
  port: number;
  /** Parsed JSON log lines, in the order the process wrote them. */
  logs: Record<string, any>[];
  /** Sends SIGTERM and resolves with the exit code once the process has shut down. */
  stop(): Promise<number | null>;
}

/** Starts the API from its sources in a separate Node process and resolves once it listens. */
export function startApiProcess(env: Record<string, string>, timeoutMs = 30_000): Promise<ApiProcess> {
  const child = spawn(process.execPath, ['--enable-source-maps', '-r', REGISTER_TYPESCRIPT, MAIN], {
    cwd: REPO_ROOT,
    env: childEnv({ PORT: '0', LOG_LEVEL: 'info', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, any>[] = [];
  let stderr = '';
  let buffered = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  return new Promise<ApiProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`The API process did not start within ${timeoutMs} ms. stderr: ${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('{')) {
          logs.push(JSON.parse(line));
          continue;
        }
        const ready = line.match(/Sidestep is running at http:\/\/localhost:(\d+)/);
        if (ready) {
          clearTimeout(timer);
          resolve({
            pid: child.pid!,
            port: Number(ready[1]),
            logs,
            stop: () => {
              if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
              return exited;
            },
          });
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`The API process exited with code ${code} before it listened. stderr: ${stderr.slice(-2000)}`));
    });
  });
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run jobs:run -- <args>` from the sources in a child process. */
export function runJobCommand(env: Record<string, string>, args: string[], timeoutMs = 30_000): Promise<CommandResult> {
  const child = spawn(process.execPath, ['--enable-source-maps', '-r', REGISTER_TYPESCRIPT, RUN_JOB, ...args], {
    cwd: REPO_ROOT,
    env: childEnv({ LOG_LEVEL: 'warn', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`jobs:run ${args.join(' ')} did not finish within ${timeoutMs} ms. stderr: ${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Creates a pino logger whose JSON lines the test can read back. */
export function captureLogger(): { logger: Logger; events(): Record<string, any>[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString().split('\n').filter((line) => line.length > 0));
      callback();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), events: () => lines.map((line) => JSON.parse(line)) };
}

/**
 * The API as the benchmarks run it: a child process that starts Sidestep from
 * its environment, as `node dist/api/main.js` does. It reports its CPU time
 * and the bytes that crossed its sockets to the parent over IPC, never HTTP,
 * so that reading them does not move the counters.
 *
 * Start it through {@link startApiProcess} in `api-harness.ts`.
 */
import 'reflect-metadata';
import diagnosticsChannel from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { startSidestep, type Sidestep } from '../../api/src/bootstrap';
import { loadConfig } from '../../api/src/config/config';
import { createLogger } from '../../api/src/logging/logger';
import { S3ObjectStorage } from '../../api/src/storage/s3-object-storage';
import { ViewUrlCache } from '../../api/src/storage/view-url';
import { performance } from 'node:perf_hooks';
import { Metrics } from '../../api/src/metrics/metrics';
import { createServices } from '../../api/src/services';
import type { ApiRequest, ApiResponse, ApiStats, JobRunReport, SocketBytes, ViewUrlMode } from './api-protocol';

/** Bytes read and written by a set of sockets, the closed ones included. */
class SocketTally {
  private closed: SocketBytes = { read: 0, written: 0 };
  private readonly live = new Set<Socket>();

  add(socket: Socket): void {
    this.live.add(socket);
    socket.once('close', () => {
      this.live.delete(socket);
      this.closed = { read: this.closed.read + socket.bytesRead, written: this.closed.written + socket.bytesWritten };
    });
  }

  totals(): SocketBytes {
    let { read, written } = this.closed;
    for (const socket of this.live) {
      read += socket.bytesRead;
      written += socket.bytesWritten;
    }
    return { read, written };
  }
}

const httpServer = new SocketTally();
/** Outgoing connections by remote port; the storage port is known only once Sidestep runs. */
const outgoing = new Map<number, SocketTally>();
let storagePort = -1;

diagnosticsChannel.subscribe('net.client.socket', (message) => {
  const socket = (message as { socket: Socket }).socket;
  socket.once('connect', () => {
    const port = socket.remotePort ?? 0;
    if (!outgoing.has(port)) outgoing.set(port, new SocketTally());
    outgoing.get(port)!.add(socket);
  });
});

function outgoingTotals(port: number): SocketBytes {
  return outgoing.get(port)?.totals() ?? { read: 0, written: 0 };
}

let deleteRequests = 0;

// S3 DeleteObjects is `POST /<bucket>?delete` (path-style) or `POST /?delete` (virtual-hosted).
diagnosticsChannel.subscribe('http.client.request.start', (message) => {
  const request = (message as { request: { method: string; path: string } }).request;
  if (request.method === 'POST' && /[?&]delete(=|&|$)/.test(request.path)) deleteRequests += 1;
});

const viewUrlMode: ViewUrlMode = { memo: true, signer: 'fast' };

/**
 * Lets the parent switch, between interleaved rounds, how `Image.url` is
 * produced: with or without the per-window memo, with the fast signer or with
 * `getSignedUrl`. Both patches reach private members, so they check that
 * those still exist.
 */
function patchViewUrls(): void {
  const cache = ViewUrlCache.prototype as unknown as { get: (this: unknown, key: string, ...rest: unknown[]) => unknown };
  const originalGet = cache.get;
  cache.get = function getWithOptionalMemo(this: unknown, key: string, ...rest: unknown[]) {
    if (!viewUrlMode.memo) {
      const entries = (this as { entries?: unknown }).entries;
      if (!(entries instanceof Map)) throw new Error('ViewUrlCache no longer keeps its URLs in `entries`; update bench/support/api-process.ts.');
      entries.delete(key);
    }
    return originalGet.call(this, key, ...rest);
  };

  type Sign = (this: unknown, key: string, signingDate: Date, expiresInSeconds: number) => Promise<string>;
  const storage = S3ObjectStorage.prototype as unknown as { signViewUrl?: Sign; signViewUrlWithSdk?: Sign };
  const fast = storage.signViewUrl;
  const sdk = storage.signViewUrlWithSdk;
  if (!fast || !sdk) throw new Error('S3ObjectStorage no longer has signViewUrl and signViewUrlWithSdk; update bench/support/api-process.ts.');
  storage.signViewUrl = function signWithChosenSigner(this: unknown, key, signingDate, expiresInSeconds) {
    return (viewUrlMode.signer === 'sdk' ? sdk : fast).call(this, key, signingDate, expiresInSeconds);
  };
}

function stats(): ApiStats {
  return {
    cpuMicros: process.cpuUsage(),
    httpServer: httpServer.totals(),
    storage: outgoingTotals(storagePort),
  };
}

/** Runs one job through the process's job runner and reports what it did. */
async function runJob(sidestep: Sidestep, job: string): Promise<JobRunReport> {
  // Loaded on demand, so the other benchmarks run even where the jobs module is missing.
  const { findJob } = await import('../../api/src/jobs/schedules.js');
  const { JobTrigger } = await import('../../api/src/jobs/job-run.entity.js');
  const definition = findJob(job);
  if (!definition) return { ran: false, error: `There is no job named "${job}".`, milliseconds: 0, deleteRequests: 0 };

  const { config, orm, storage, jobs } = sidestep;
  const services = createServices({ config, logger: createLogger(config.logLevel), orm, storage, metrics: new Metrics(), jobs });
  const deletesBefore = deleteRequests;
  const started = performance.now();
  const result = await jobs.run(definition.name, JobTrigger.CLI, services);
  const milliseconds = performance.now() - started;
  if (!result.ran) return { ran: false, error: `skipped: ${result.skipReason}`, milliseconds, deleteRequests: 0 };
  return {
    ran: true,
    outcome: result.run.outcome,
    counts: result.run.counts,
    error: result.run.error ?? undefined,
    milliseconds,
    deleteRequests: deleteRequests - deletesBefore,
  };
}

function send(message: ApiResponse): void {
  process.send!(message);
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('api-process.ts runs as a child with an IPC channel; start it with startApiProcess().');
  patchViewUrls();

  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  let sidestep: Sidestep;
  try {
    sidestep = await startSidestep(config, logger);
  } catch (error) {
    send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  }
  sidestep.app.server.on('connection', (socket: Socket) => httpServer.add(socket));
  storagePort = Number(new URL(sidestep.config.s3.endpoint!).port);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await sidestep.stop();
    process.exit(0);
  };
  // The parent going away must not leave embedded PostgreSQL running.
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());

  process.on('message', (request: ApiRequest) => {
    if (request.type === 'stats') send({ type: 'stats', id: request.id, stats: stats() });
    if (request.type === 'view-url-mode') {
      Object.assign(viewUrlMode, request.mode);
      send({ type: 'view-url-mode', id: request.id });
    }
    if (request.type === 'collect-garbage') {
      if (!global.gc) throw new Error('Start the benchmark API with --expose-gc.');
      global.gc();
      send({ type: 'collect-garbage', id: request.id });
    }
    if (request.type === 'run-job') {
      runJob(sidestep, request.job).then(
        (result) => send({ type: 'run-job', id: request.id, result }),
        (error: unknown) =>
          send({ type: 'run-job', id: request.id, result: { ran: false, error: String(error), milliseconds: 0, deleteRequests: 0 } }),
      );
    }
    if (request.type === 'stop') void stop();
  });

  send({
    type: 'ready',
    url: `http://127.0.0.1:${sidestep.config.port}`,
    databaseUrl: sidestep.config.databaseUrl!,
    s3Endpoint: sidestep.config.s3.endpoint!,
    bucket: sidestep.config.s3.bucket,
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`The benchmark API failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

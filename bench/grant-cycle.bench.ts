import { performance } from 'node:perf_hooks';
import { cpuDelta, startBenchApi } from './support/api-harness';
import { confirmUpload, putWithGrant, requestUpload, signUp } from './support/flows';
import { HttpClient } from './support/http-client';
import { runClosedLoop } from './support/load';
import { KiB, photoOfSize } from './support/photos';
import { type BenchResult, formatSummary, quantile, summarize } from './support/stats';

export interface GrantCycleOptions {
  /** Concurrent clients, each a user of its own running cycles back to back. */
  clients: number;
  rounds: number;
  roundMilliseconds: number;
  photoBytes: number;
}

export const FULL_GRANT_OPTIONS: GrantCycleOptions = { clients: 20, rounds: 3, roundMilliseconds: 5000, photoBytes: 100 * KiB };

/**
 * Grant cycle: `requestUpload`, the direct PUT, then `confirmUpload`, by 20
 * concurrent clients against real PostgreSQL and the S3 server. Records
 * cycles per second, latency of the whole cycle and of the two API calls
 * alone, and the API's CPU time per cycle. There is no baseline to compare
 * with, so this benchmark records figures and checks no goal.
 */
export async function runGrantCycle(options: GrantCycleOptions = FULL_GRANT_OPTIONS): Promise<BenchResult> {
  const photo = await photoOfSize(options.photoBytes);
  const api = await startBenchApi();
  const client = new HttpClient(api.url, options.clients);
  const storage = new HttpClient(api.s3Endpoint, options.clients);
  try {
    const tokens: string[] = [];
    for (let i = 0; i < options.clients; i += 1) tokens.push(await signUp(client, `client-${i}`));

    let apiLatencies: number[] = [];
    const cycle = async (worker: number) => {
      const token = tokens[worker];
      const requested = performance.now();
      const grant = await requestUpload(client, token, photo);
      const granted = performance.now();
      await putWithGrant(storage, grant, photo);
      const confirmStarted = performance.now();
      const status = await confirmUpload(client, token, grant.image.id);
      apiLatencies.push(granted - requested + performance.now() - confirmStarted);
      if (status !== 'APPROVED') throw new Error(`A confirmed upload ended as ${status}, not APPROVED.`);
    };

    await runClosedLoop(cycle, { concurrency: options.clients, durationMs: 1000, failFast: true });

    const throughput: number[] = [];
    const p50: number[] = [];
    const p99: number[] = [];
    const apiP50: number[] = [];
    const apiP99: number[] = [];
    const cpuPerCycle: number[] = [];
    for (let round = 0; round < options.rounds; round += 1) {
      apiLatencies = [];
      const before = await api.stats();
      const result = await runClosedLoop(cycle, { concurrency: options.clients, durationMs: options.roundMilliseconds, failFast: true });
      const after = await api.stats();
      throughput.push(result.throughput);
      p50.push(result.p50Ms);
      p99.push(result.p99Ms);
      apiP50.push(quantile(apiLatencies, 0.5));
      apiP99.push(quantile(apiLatencies, 0.99));
      cpuPerCycle.push(cpuDelta(before, after) / 1000 / result.completed);
    }

    return {
      name: `Grant cycle, ${options.clients} concurrent clients`,
      figures: {
        'cycles/s': formatSummary(summarize(throughput), '', 1),
        'cycle p50 (requestUpload + PUT + confirmUpload)': formatSummary(summarize(p50), 'ms', 1),
        'cycle p99': formatSummary(summarize(p99), 'ms', 1),
        'requestUpload + confirmUpload p50': formatSummary(summarize(apiP50), 'ms', 1),
        'requestUpload + confirmUpload p99': formatSummary(summarize(apiP99), 'ms', 1),
        'API CPU per cycle': formatSummary(summarize(cpuPerCycle), 'ms', 2),
        load: `${options.clients} clients, ${options.rounds} rounds of ${options.roundMilliseconds} ms, photo of ${photo.length} B`,
      },
      goals: [],
    };
  } finally {
    client.destroy();
    storage.destroy();
    await api.stop();
  }
}

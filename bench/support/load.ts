import { performance } from 'node:perf_hooks';
import { quantile } from './stats';

export interface LoadResult {
  completed: number;
  failed: number;
  /** Completed requests per second over the whole run, the last in-flight ones included. */
  throughput: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Runs `concurrency` closed-loop workers, each calling `operation` again as
 * soon as the last call finished, until `durationMs` has passed or `maxOperations`
 * have started, whichever comes first. Failures are counted, and the run stops
 * at the first one when `failFast` is set.
 */
export async function runClosedLoop(
  operation: (worker: number) => Promise<void>,
  options: { concurrency: number; durationMs: number; maxOperations?: number; failFast?: boolean },
): Promise<LoadResult> {
  const latencies: number[] = [];
  let started = 0;
  let failed = 0;
  let firstError: unknown;
  const begin = performance.now();
  const deadline = begin + options.durationMs;
  const limit = options.maxOperations ?? Number.POSITIVE_INFINITY;

  const worker = async (index: number) => {
    while (performance.now() < deadline && started < limit && !(options.failFast && firstError)) {
      started += 1;
      const callStarted = performance.now();
      try {
        await operation(index);
        latencies.push(performance.now() - callStarted);
      } catch (error) {
        failed += 1;
        firstError ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, index) => worker(index)));
  const elapsedSeconds = (performance.now() - begin) / 1000;

  if (options.failFast && firstError) throw firstError;
  if (latencies.length === 0) throw new Error(`No operation completed; the first error was: ${String(firstError)}`);
  return {
    completed: latencies.length,
    failed,
    throughput: latencies.length / elapsedSeconds,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
  };
}

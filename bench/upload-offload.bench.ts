import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { type ApiProcess, cpuDelta, httpBytesDelta, startBenchApi, storageBytesDelta } from './support/api-harness';
import { confirmUpload, putWithGrant, requestUpload, signUp, uploadThroughProxy, uploadThroughSidestep } from './support/flows';
import { HttpClient, dataOf } from './support/http-client';
import { KiB, MiB, formatBytes, photoOfSize } from './support/photos';
import { type BenchResult, type Goal, formatSummary, rotate, summarize } from './support/stats';

export interface UploadOffloadOptions {
  /** Photo sizes in bytes, smallest first; the goals compare the largest with the smallest. */
  sizes: number[];
  /** Interleaved rounds; each uploads every size through both flows once. */
  rounds: number;
  /** Size at which Sidestep's CPU is compared with the proxy's. */
  compareAt: number;
  /** Uploads in one sample; figures are per upload, averaged over the sample. */
  uploadsPerSample: number;
  /**
   * Clients that upload at the same time in an extra pair of samples at
   * `compareAt`, reported beside the goal, which is measured with one client.
   * 0 leaves the pair out.
   */
  concurrentClients: number;
  /**
   * Uploads in each sample of the comparison at `compareAt` that the CPU goal
   * against the proxy uses. These samples run without the forced collection
   * (see `measure`), so each flow pays for the collections its own garbage
   * causes at the heap limits of steady traffic.
   */
  steadyUploadsPerSample: number;
  /**
   * Rounds of steady samples at `compareAt` taken first, before any forced
   * collection, and reported beside the goal. 0 leaves them out.
   */
  unforcedRounds: number;
  /**
   * Pause between the direct PUT and the confirm in an extra pair of steady
   * Sidestep samples at the smallest size, one with the pause and one without,
   * reported beside the goal. 0 leaves the pair out.
   */
  confirmPauseMs: number;
}

export const FULL_UPLOAD_OPTIONS: UploadOffloadOptions = {
  sizes: [100 * KiB, MiB, 10 * MiB, 20 * MiB],
  rounds: 9,
  compareAt: 10 * MiB,
  uploadsPerSample: 4,
  concurrentClients: 4,
  steadyUploadsPerSample: 12,
  unforcedRounds: 4,
  confirmPauseMs: 250,
};

/**
 * The minimum work any grant-and-confirm design needs from the API: two signed-in
 * GraphQL requests that do nothing else. It is measured beside the flows to
 * show how low Sidestep's CPU could go on the machine at hand.
 */
const FLOOR_QUERY = '{ __typename }';

/**
 * Unmeasured runs before a steady sample. Without them a Sidestep sample that
 * follows the proxy's pays about 3 ms per upload for the collections of the
 * proxy's buffers (12.5 against 9.3 ms in a probe of 8 rounds).
 */
const STEADY_SETTLE_RUNS = 4;

type Flow = 'sidestep' | 'proxy';
const FLOWS: Flow[] = ['sidestep', 'proxy'];

interface Sample {
  httpBytes: number;
  storageBytes: number;
  cpuMicros: number;
}

/**
 * Upload offload: the same photos go through Sidestep's flow (grant, direct
 * PUT, confirm) and through the proxy baseline route. Each upload records what
 * the API process pays: bytes on its HTTP server sockets, bytes on its
 * connections to storage, and CPU time read from the API child process.
 */
export async function runUploadOffload(options: UploadOffloadOptions = FULL_UPLOAD_OPTIONS): Promise<BenchResult> {
  if (options.steadyUploadsPerSample < 1) {
    throw new RangeError(`steadyUploadsPerSample is ${options.steadyUploadsPerSample}. It must be at least 1, because the CPU goal against the proxy uses those samples.`);
  }
  const photos = new Map<number, Buffer>();
  for (const size of options.sizes) photos.set(size, await photoOfSize(size));

  const api = await startBenchApi();
  // One connection to each server for the sequential samples, which use only the first;
  // the concurrent samples open one more per extra client.
  const connections = Math.max(1, options.concurrentClients);
  const client = new HttpClient(api.url, connections);
  const storage = new HttpClient(api.s3Endpoint, connections);
  try {
    const token = await signUp(client, 'uploader');
    const upload = (flow: Flow, photo: Buffer) =>
      flow === 'sidestep' ? uploadThroughSidestep(client, storage, token, photo) : uploadThroughProxy(client, token, photo);
    const uploadTogether = (flow: Flow, photo: Buffer) =>
      Promise.all(Array.from({ length: options.concurrentClients }, () => upload(flow, photo)));

    // Warm up both paths, so JIT compilation and first connections land outside the samples.
    for (const flow of FLOWS) {
      for (const photo of photos.values()) await upload(flow, photo);
    }

    const floor = async () => {
      for (let request = 0; request < 2; request += 1) dataOf(await client.gql(FLOOR_QUERY, {}, token), 'floor request');
    };
    for (let warm = 0; warm < 20; warm += 1) await floor();

    const samples = new Map<string, Sample[]>();
    const measure = async (id: string, run: () => Promise<unknown>, uploadsPerRun = 1, steady = false) => {
      // A full collection leaves no garbage of the previous sample behind. V8 also drops the
      // bytecode of functions that went unused over several collections, so one unmeasured
      // run compiles the path again, as steady traffic would keep it compiled. A steady
      // sample skips the collection: it is longer, and each flow pays for the collections
      // that come due while it runs. It starts after a few unmeasured runs of its own flow,
      // which pay for the collections that the previous sample's garbage still owes.
      if (!steady) await api.collectGarbage();
      for (let warm = 0; warm < (steady ? STEADY_SETTLE_RUNS : 1); warm += 1) await run();
      const runs = steady ? options.steadyUploadsPerSample : options.uploadsPerSample;
      const before = await api.stats();
      for (let upload = 0; upload < runs; upload += 1) await run();
      const after = await api.stats();
      const uploads = runs * uploadsPerRun;
      if (!samples.has(id)) samples.set(id, []);
      samples.get(id)!.push({
        httpBytes: httpBytesDelta(before, after) / uploads,
        storageBytes: storageBytesDelta(before, after) / uploads,
        cpuMicros: cpuDelta(before, after) / uploads,
      });
    };
    // The proxy's cost depends on the state of V8's heap. Until the process runs a forced
    // collection or one of the memory reducer's (after idle time in a server), young-generation
    // collections reclaim its buffers. After one, V8 runs a full collection about once per
    // 10 MiB upload, for many uploads. These rounds measure both flows before any forced one.
    for (let round = 0; round < options.unforcedRounds; round += 1) {
      for (const flow of rotate(FLOWS, round)) await measure(`${flow}:unforced`, () => upload(flow, photos.get(options.compareAt)!), 1, true);
      await measure('floor:unforced', floor, 1, true);
    }
    for (let round = 0; round < options.rounds; round += 1) {
      await measure('floor', floor);
      for (const size of rotate(options.sizes, round)) {
        for (const flow of rotate(FLOWS, round)) await measure(`${flow}:${size}`, () => upload(flow, photos.get(size)!));
      }
      if (options.concurrentClients > 0) {
        for (const flow of rotate(FLOWS, round)) {
          await measure(`${flow}:together`, () => uploadTogether(flow, photos.get(options.compareAt)!), options.concurrentClients);
        }
      }
      for (const flow of rotate(FLOWS, round)) await measure(`${flow}:steady`, () => upload(flow, photos.get(options.compareAt)!), 1, true);
      await measure('floor:steady', floor, 1, true);
      if (options.confirmPauseMs > 0) {
        const smallest = photos.get(options.sizes[0])!;
        const paused = async () => {
          const grant = await requestUpload(client, token, smallest);
          await putWithGrant(storage, grant, smallest);
          await delay(options.confirmPauseMs);
          await confirmUpload(client, token, grant.image.id);
        };
        const pair: [string, () => Promise<unknown>][] = [
          ['sidestep:small-steady', () => upload('sidestep', smallest)],
          ['sidestep:small-paused', paused],
        ];
        for (const [id, run] of rotate(pair, round)) await measure(id, run, 1, true);
      }
    }
    const sweep = await measureSweep(api);
    // Each Sidestep upload also costs its share of the reaper's batch delete of incoming/.
    for (const [id, runs] of samples) {
      if (id.startsWith('sidestep:')) for (const run of runs) run.cpuMicros += sweep.cpuMicrosPerUpload;
    }
    return report(options, photos, samples, sweep);
  } finally {
    client.destroy();
    storage.destroy();
    await api.stop();
  }
}

interface SweepCost {
  uploads: number;
  deleteRequests: number;
  cpuMicrosPerUpload: number;
}

/**
 * Confirm leaves each upload under incoming/ for the grant reaper, which
 * deletes them in batches once their grant has expired. Ages the grants of
 * every confirmed upload so far, runs the reaper once and returns its API CPU
 * per upload it swept.
 */
async function measureSweep(api: ApiProcess): Promise<SweepCost> {
  const database = new pg.Client({ connectionString: api.databaseUrl });
  await database.connect();
  try {
    await database.query(`update images set grant_expires_at = now() - interval '1 day' where sweep_incoming`);
  } finally {
    await database.end();
  }
  await api.collectGarbage();
  const before = await api.stats();
  const run = await api.runJob('expire-grants');
  const after = await api.stats();
  const uploads = run.counts?.uploadsSwept ?? 0;
  if (!run.ran || run.outcome !== 'SUCCEEDED' || uploads === 0) throw new Error(`The reaper's sweep of confirmed uploads did not run: ${JSON.stringify(run)}`);
  return { uploads, deleteRequests: run.deleteRequests, cpuMicrosPerUpload: cpuDelta(before, after) / uploads };
}

function report(options: UploadOffloadOptions, photos: Map<number, Buffer>, samples: Map<string, Sample[]>, sweep: SweepCost): BenchResult {
  const of = (flow: Flow, size: number) => samples.get(`${flow}:${size}`)!;
  const figures: Record<string, string> = {
    [`sweep of incoming/ by the grant reaper: API CPU per upload, included in every Sidestep figure below`]: `${(sweep.cpuMicrosPerUpload / 1000).toFixed(3)} ms (${sweep.uploads} uploads, ${sweep.deleteRequests} DeleteObjects requests)`,
  };
  for (const size of options.sizes) {
    const label = `${formatBytes(size)} (${photos.get(size)!.length} B)`;
    for (const flow of FLOWS) {
      const runs = of(flow, size);
      figures[`${flow} ${label}: API HTTP bytes per upload`] = formatSummary(summarize(runs.map((run) => run.httpBytes)), 'B', 0);
      figures[`${flow} ${label}: API↔storage bytes per upload`] = formatSummary(summarize(runs.map((run) => run.storageBytes)), 'B', 0);
      figures[`${flow} ${label}: API CPU per upload`] = formatSummary(summarize(runs.map((run) => run.cpuMicros / 1000)), 'ms', 2);
    }
  }

  const smallest = options.sizes[0];
  const largest = options.sizes[options.sizes.length - 1];
  const sidestepSmall = of('sidestep', smallest);
  const sidestepLarge = of('sidestep', largest);
  const sidestepAt = of('sidestep', options.compareAt);
  const proxyAt = of('proxy', options.compareAt);
  const rounds = sidestepSmall.map((_, round) => round);
  for (const size of options.sizes) {
    const sidestep = of('sidestep', size);
    const proxy = of('proxy', size);
    const bytesRatio = summarize(rounds.map((round) => sidestep[round].httpBytes / proxy[round].httpBytes));
    const cpuRatio = summarize(rounds.map((round) => sidestep[round].cpuMicros / proxy[round].cpuMicros));
    figures[`sidestep ÷ proxy at ${formatBytes(size)}: API HTTP bytes`] = formatSummary(bytesRatio, '×', 5);
    figures[`sidestep ÷ proxy at ${formatBytes(size)}: API CPU`] = formatSummary(cpuRatio, '×', 2);
  }
  const floor = samples.get('floor')!;
  figures['floor (two signed-in `{ __typename }` requests): API CPU'] = formatSummary(summarize(floor.map((run) => run.cpuMicros / 1000)), 'ms', 2);
  figures[`floor ÷ proxy at ${formatBytes(options.compareAt)}: API CPU`] = formatSummary(
    summarize(rounds.map((round) => floor[round].cpuMicros / proxyAt[round].cpuMicros)),
    '×',
    3,
  );
  figures['sidestep ÷ floor: API CPU'] = formatSummary(summarize(rounds.map((round) => sidestepAt[round].cpuMicros / floor[round].cpuMicros)), '×', 2);
  if (options.concurrentClients > 0) {
    const sidestepTogether = samples.get('sidestep:together')!;
    const proxyTogether = samples.get('proxy:together')!;
    const clients = `${options.concurrentClients} clients at once`;
    figures[`sidestep ${formatBytes(options.compareAt)}, ${clients}: API CPU per upload`] = formatSummary(
      summarize(sidestepTogether.map((run) => run.cpuMicros / 1000)),
      'ms',
      2,
    );
    figures[`proxy ${formatBytes(options.compareAt)}, ${clients}: API CPU per upload`] = formatSummary(
      summarize(proxyTogether.map((run) => run.cpuMicros / 1000)),
      'ms',
      2,
    );
    figures[`sidestep ÷ proxy at ${formatBytes(options.compareAt)}, ${clients}: API CPU`] = formatSummary(
      summarize(rounds.map((round) => sidestepTogether[round].cpuMicros / proxyTogether[round].cpuMicros)),
      '×',
      2,
    );
  }
  const steady = (id: string) => samples.get(id)!;
  const [sidestepSteady, proxySteady, floorSteady] = [steady('sidestep:steady'), steady('proxy:steady'), steady('floor:steady')];
  {
    const label = `${formatBytes(options.compareAt)}, ${options.steadyUploadsPerSample} in a row without a forced collection`;
    figures[`sidestep ${label}: API CPU per upload`] = formatSummary(summarize(sidestepSteady.map((run) => run.cpuMicros / 1000)), 'ms', 2);
    figures[`proxy ${label}: API CPU per upload`] = formatSummary(summarize(proxySteady.map((run) => run.cpuMicros / 1000)), 'ms', 2);
    figures[`floor, ${options.steadyUploadsPerSample} in a row without a forced collection: API CPU`] = formatSummary(
      summarize(floorSteady.map((run) => run.cpuMicros / 1000)),
      'ms',
      2,
    );
    figures[`sidestep ÷ proxy at ${label}: API CPU`] = formatSummary(
      summarize(rounds.map((round) => sidestepSteady[round].cpuMicros / proxySteady[round].cpuMicros)),
      '×',
      2,
    );
    figures[`floor ÷ proxy at ${label}: API CPU`] = formatSummary(
      summarize(rounds.map((round) => floorSteady[round].cpuMicros / proxySteady[round].cpuMicros)),
      '×',
      3,
    );
  }
  if (options.unforcedRounds > 0) {
    const [sidestepUnforced, proxyUnforced] = [steady('sidestep:unforced'), steady('proxy:unforced')];
    const label = `${formatBytes(options.compareAt)}, ${options.steadyUploadsPerSample} in a row before any forced collection`;
    figures[`sidestep ${label}: API CPU per upload`] = formatSummary(summarize(sidestepUnforced.map((run) => run.cpuMicros / 1000)), 'ms', 2);
    figures[`proxy ${label}: API CPU per upload`] = formatSummary(summarize(proxyUnforced.map((run) => run.cpuMicros / 1000)), 'ms', 2);
    figures[`sidestep ÷ proxy at ${label}: API CPU`] = formatSummary(
      summarize(sidestepUnforced.map((run, round) => run.cpuMicros / proxyUnforced[round].cpuMicros)),
      '×',
      2,
    );
    const floorUnforced = steady('floor:unforced');
    figures[`floor ÷ proxy at ${label}: API CPU`] = formatSummary(
      summarize(floorUnforced.map((run, round) => run.cpuMicros / proxyUnforced[round].cpuMicros)),
      '×',
      3,
    );
  }
  if (options.confirmPauseMs > 0) {
    const [plain, paused] = [steady('sidestep:small-steady'), steady('sidestep:small-paused')];
    const label = `${formatBytes(smallest)}, ${options.steadyUploadsPerSample} in a row`;
    figures[`sidestep ${label}: API CPU per upload`] = formatSummary(summarize(plain.map((run) => run.cpuMicros / 1000)), 'ms', 2);
    figures[`sidestep ${label}, ${options.confirmPauseMs} ms pause before each confirm: API CPU per upload`] = formatSummary(
      summarize(paused.map((run) => run.cpuMicros / 1000)),
      'ms',
      2,
    );
    figures[`sidestep ${label}, paused ÷ not paused: API CPU`] = formatSummary(
      summarize(paused.map((run, round) => run.cpuMicros / plain[round].cpuMicros)),
      '×',
      2,
    );
  }
  const medianCpu = options.sizes.map((size) => summarize(of('sidestep', size).map((run) => run.cpuMicros)).median);
  figures['sidestep API CPU per upload, highest ÷ lowest median across sizes'] = (Math.max(...medianCpu) / Math.min(...medianCpu)).toFixed(3);

  const goals: Goal[] = [
    {
      name: `Sidestep API HTTP bytes per ${formatBytes(largest)} upload ÷ 4 KiB`,
      ratio: summarize(sidestepLarge.map((run) => run.httpBytes / (4 * KiB))),
      limit: 1,
      comparison: 'atMost',
    },
    {
      name: `Sidestep API HTTP bytes, ${formatBytes(largest)} ÷ ${formatBytes(smallest)}`,
      ratio: summarize(rounds.map((round) => sidestepLarge[round].httpBytes / sidestepSmall[round].httpBytes)),
      limit: 1.1,
      comparison: 'atMost',
    },
    {
      name: `Sidestep API CPU per upload, ${formatBytes(largest)} ÷ ${formatBytes(smallest)}`,
      ratio: summarize(rounds.map((round) => sidestepLarge[round].cpuMicros / sidestepSmall[round].cpuMicros)),
      limit: 1.5,
      comparison: 'atMost',
    },
    {
      // After a forced collection V8 starts from small heap limits, and the proxy's buffers then
      // cost it more collections than under steady traffic, so the goal uses the steady samples.
      name: `Sidestep API CPU ÷ proxy API CPU at ${formatBytes(options.compareAt)}`,
      ratio: summarize(rounds.map((round) => sidestepSteady[round].cpuMicros / proxySteady[round].cpuMicros)),
      limit: 0.15,
      comparison: 'atMost',
    },
  ];
  return { name: 'Upload offload', figures, goals };
}

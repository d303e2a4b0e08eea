import { png } from '../api/test/support/fixtures';
import { type ApiProcess, startBenchApi } from './support/api-harness';
import type { ViewUrlMode } from './support/api-protocol';
import { confirmUpload, putWithGrant, requestUpload, signUp } from './support/flows';
import { HttpClient, dataOf } from './support/http-client';
import { type LoadResult, runClosedLoop } from './support/load';
import { type BenchResult, type Goal, formatSummary, rotate, summarize } from './support/stats';

export interface GalleryQueryOptions {
  /** Images seeded and asked for in one page. */
  pageSize: number;
  /** Keep-alive connections the load generator keeps open. The API's database pool stays at its configured size. */
  connections: number;
  rounds: number;
  /** Length of one variant's share of a round. */
  roundMilliseconds: number;
}

export const FULL_GALLERY_OPTIONS: GalleryQueryOptions = { pageSize: 100, connections: 8, rounds: 5, roundMilliseconds: 3000 };

const FIELDS = 'id filename contentType byteSize width height status createdAt';

const galleryQuery = (withUrl: boolean) =>
  `query Gallery($first: Int!) { images(first: $first) { totalCount edges { cursor node { ${FIELDS}${withUrl ? ' url' : ''} } } pageInfo { hasNextPage endCursor } } }`;

interface Variant {
  name: string;
  withUrl: boolean;
  mode: ViewUrlMode;
}

const WITHOUT_URL: Variant = { name: 'without url', withUrl: false, mode: { memo: true, signer: 'fast' } };
const MEMOIZED: Variant = { name: 'with url, memoized', withUrl: true, mode: { memo: true, signer: 'fast' } };
const COLD_FAST: Variant = { name: 'with url, every URL signed by ViewUrlSigner', withUrl: true, mode: { memo: false, signer: 'fast' } };
const COLD_SDK: Variant = { name: 'with url, every URL signed by getSignedUrl', withUrl: true, mode: { memo: false, signer: 'sdk' } };
const VARIANTS = [WITHOUT_URL, MEMOIZED, COLD_FAST, COLD_SDK];

/**
 * Gallery query: `images(first: 100)` with and without `url`, against real
 * PostgreSQL and the S3 server's signing endpoint, from a closed-loop load
 * generator in this process while the API runs in its own. The variants run
 * interleaved. "Memoized" is the steady state inside a signing window. The
 * two "every URL signed" variants switch the per-window memo off in the API
 * process, so each `url` field signs afresh, as at the start of a window.
 */
export async function runGalleryQuery(options: GalleryQueryOptions = FULL_GALLERY_OPTIONS): Promise<BenchResult> {
  const api = await startBenchApi();
  const client = new HttpClient(api.url, options.connections);
  try {
    const token = await seedGallery(api, client, options.pageSize);
    const bodies = new Map(VARIANTS.map((variant) => [variant, JSON.stringify({ query: galleryQuery(variant.withUrl), variables: { first: options.pageSize } })]));
    const send = async (variant: Variant) => {
      const body = bodies.get(variant)!;
      const response = await client.request(
        'POST',
        '/graphql',
        { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), authorization: `Bearer ${token}` },
        body,
      );
      if (response.status !== 200 || response.body.includes('"errors"')) {
        throw new Error(`The gallery query failed with status ${response.status}: ${response.body.toString().slice(0, 300)}`);
      }
    };

    for (const variant of VARIANTS) {
      await api.setViewUrlMode(variant.mode);
      await checkPage(client, token, variant, options.pageSize);
      await runClosedLoop(() => send(variant), { concurrency: options.connections, durationMs: 500, failFast: true });
    }

    const results = new Map<Variant, LoadResult[]>(VARIANTS.map((variant) => [variant, []]));
    for (let round = 0; round < options.rounds; round += 1) {
      for (const variant of rotate(VARIANTS, round)) {
        await api.setViewUrlMode(variant.mode);
        results.get(variant)!.push(
          await runClosedLoop(() => send(variant), { concurrency: options.connections, durationMs: options.roundMilliseconds, failFast: true }),
        );
      }
    }
    return report(options, results);
  } finally {
    client.destroy();
    await api.stop();
  }
}

/** Uploads `count` small images through the real flow and returns their owner's token. */
async function seedGallery(api: ApiProcess, client: HttpClient, count: number): Promise<string> {
  const token = await signUp(client, 'gallery');
  const storage = new HttpClient(api.s3Endpoint, 4);
  try {
    const image = await png(64, 48);
    let next = 0;
    const worker = async () => {
      while (next < count) {
        next += 1;
        const grant = await requestUpload(client, token, image, `gallery ${next}.png`, 'image/png');
        await putWithGrant(storage, grant, image);
        const status = await confirmUpload(client, token, grant.image.id);
        if (status !== 'APPROVED') throw new Error(`A seeded gallery image ended as ${status}, not APPROVED.`);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
  } finally {
    storage.destroy();
  }
  return token;
}

/** Checks that a variant's query returns a full page, with a URL on every item when the query selects `url`. */
async function checkPage(client: HttpClient, token: string, variant: Variant, pageSize: number): Promise<void> {
  const result = await client.gql<{ images: { edges: { node: { url?: string | null } }[] } }>(galleryQuery(variant.withUrl), { first: pageSize }, token);
  const edges = dataOf(result, `images(first: ${pageSize})`).images.edges;
  if (edges.length !== pageSize) throw new Error(`The gallery query returned ${edges.length} items, not ${pageSize}.`);
  if (variant.withUrl && edges.some((edge) => !edge.node.url)) throw new Error('The gallery query returned an item without a url.');
}

function report(options: GalleryQueryOptions, results: Map<Variant, LoadResult[]>): BenchResult {
  const figures: Record<string, string> = {};
  for (const variant of VARIANTS) {
    const runs = results.get(variant)!;
    figures[`${variant.name}: requests/s`] = formatSummary(summarize(runs.map((run) => run.throughput)), '', 0);
    figures[`${variant.name}: p50`] = formatSummary(summarize(runs.map((run) => run.p50Ms)), 'ms', 1);
    figures[`${variant.name}: p99`] = formatSummary(summarize(runs.map((run) => run.p99Ms)), 'ms', 1);
  }
  figures['load'] = `${options.connections} keep-alive connections, ${options.rounds} rounds of ${options.roundMilliseconds} ms per variant, ${options.pageSize} items per page`;

  const baseline = results.get(WITHOUT_URL)!;
  const ratio = (variant: Variant, metric: 'throughput' | 'p99Ms') =>
    summarize(results.get(variant)!.map((run, round) => run[metric] / baseline[round][metric]));
  for (const variant of [COLD_FAST, COLD_SDK]) {
    figures[`${variant.name} ÷ without url: throughput`] = formatSummary(ratio(variant, 'throughput'), '×', 2);
    figures[`${variant.name} ÷ without url: p99`] = formatSummary(ratio(variant, 'p99Ms'), '×', 2);
  }

  const goals: Goal[] = [];
  for (const variant of [MEMOIZED, COLD_FAST]) {
    goals.push({ name: `throughput, ${variant.name} ÷ without url`, ratio: ratio(variant, 'throughput'), limit: 0.5, comparison: 'atLeast' });
    goals.push({ name: `p99, ${variant.name} ÷ without url`, ratio: ratio(variant, 'p99Ms'), limit: 3, comparison: 'atMost' });
  }
  return { name: `Gallery query, images(first: ${options.pageSize})`, figures, goals };
}

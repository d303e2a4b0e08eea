import { createHash, createHmac, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { SignatureV4, createScope, getCanonicalQuery, getSigningKey } from '@smithy/signature-v4';
import { createLogger } from '../api/src/logging/logger';
import { S3ObjectStorage } from '../api/src/storage/s3-object-storage';
import { viewCacheControl } from '../api/src/storage/view-url';
import { ViewUrlSigner, escapeObjectKey, formatQuery } from '../api/src/storage/view-url-signer';
import { type BenchResult, type Goal, formatSummary, rotate, summarize } from './support/stats';

export interface ViewUrlSigningOptions {
  /** Interleaved rounds; each round times one batch of every variant. */
  rounds: number;
  /** Approximate wall time of one batch, which sets how many URLs each batch signs. */
  batchMilliseconds: number;
}

export const FULL_SIGNING_OPTIONS: ViewUrlSigningOptions = { rounds: 21, batchMilliseconds: 150 };

const ENDPOINT = 'http://localhost:4569';
const BUCKET = 'sidestep';
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const TTL_SECONDS = 3600;
const WINDOW_SECONDS = 900;
const KEY_COUNT = 4096;

interface Variant {
  name: string;
  /** Signs `count` URLs, starting at key `offset`. */
  run(offset: number, count: number): Promise<void>;
  /** The URL for key 0, to prove the variant computes the same thing; null for the floor, which makes no URL. */
  firstUrl(): Promise<string | null>;
}

/**
 * Per-URL cost of a view URL: `getSignedUrl`, @smithy/signature-v4's
 * `presign`, Sidestep's {@link ViewUrlSigner}, a memoized URL, and the floor,
 * which is the SigV4 arithmetic alone (one SHA-256 of the canonical request,
 * one HMAC-SHA256 of the string to sign with a cached signing key). Variants
 * run interleaved in one process, in a rotating order.
 */
export async function runViewUrlSigning(options: ViewUrlSigningOptions = FULL_SIGNING_OPTIONS): Promise<BenchResult> {
  const client = new S3Client({
    endpoint: ENDPOINT,
    region: REGION,
    forcePathStyle: true,
    credentials: CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const storage = new S3ObjectStorage(
    { endpoint: ENDPOINT, publicEndpoint: ENDPOINT, region: REGION, bucket: BUCKET, ...CREDENTIALS, forcePathStyle: true, keepPrefixMarkers: false, requestTimeoutMs: 30_000 },
    { ttlSeconds: TTL_SECONDS, windowSeconds: WINDOW_SECONDS },
    createLogger('warn'),
  );

  try {
    const keys = Array.from({ length: KEY_COUNT }, () => `images/${randomUUID()}`);
    const signingDate = new Date(Math.floor(Date.now() / (WINDOW_SECONDS * 1000)) * WINDOW_SECONDS * 1000);
    const expiresIn = TTL_SECONDS + WINDOW_SECONDS;
    const overrides = { ResponseCacheControl: viewCacheControl(TTL_SECONDS) };
    const variants = await buildVariants(client, storage, keys, signingDate, expiresIn, overrides);

    const reference = await variants[0].firstUrl();
    for (const variant of variants) {
      const url = await variant.firstUrl();
      if (url !== null && url !== reference) throw new Error(`The ${variant.name} variant signs a different URL than getSignedUrl:\n${url}\n${reference}`);
    }

    const batchSizes = new Map<string, number>();
    for (const variant of variants) batchSizes.set(variant.name, await calibrate(variant, options.batchMilliseconds));

    const perUrl = new Map<string, number[]>(variants.map((variant) => [variant.name, []]));
    let offset = 0;
    for (let round = 0; round < options.rounds; round += 1) {
      for (const variant of rotate(variants, round)) {
        const count = batchSizes.get(variant.name)!;
        const started = performance.now();
        await variant.run(offset, count);
        perUrl.get(variant.name)!.push(((performance.now() - started) * 1000) / count);
        offset = (offset + count) % KEY_COUNT;
      }
    }

    const floor = perUrl.get(FLOOR)!;
    const ratioToFloor = (name: string) => summarize(perUrl.get(name)!.map((micros, round) => micros / floor[round]));
    const figures: Record<string, string> = {};
    for (const variant of variants) {
      figures[`${variant.name}, µs per URL`] = formatSummary(summarize(perUrl.get(variant.name)!), 'µs');
    }
    for (const variant of variants) {
      if (variant.name !== FLOOR) figures[`${variant.name} ÷ floor`] = formatSummary(ratioToFloor(variant.name), '×', 1);
    }
    figures['getSignedUrl ÷ ViewUrlSigner'] = formatSummary(
      summarize(perUrl.get(GET_SIGNED_URL)!.map((micros, round) => micros / perUrl.get(FAST)![round])),
      '×',
      1,
    );

    const goals: Goal[] = [{ name: 'ViewUrlSigner per URL ÷ floor', ratio: ratioToFloor(FAST), limit: 3, comparison: 'atMost' }];
    return { name: 'View URL signing', figures, goals };
  } finally {
    storage.destroy();
    client.destroy();
  }
}

const GET_SIGNED_URL = 'getSignedUrl';
const SMITHY_PRESIGN = 'SignatureV4.presign';
const FAST = 'ViewUrlSigner';
const MEMO_HIT = 'createViewUrl, memoized';
const FLOOR = 'floor';

async function buildVariants(
  client: S3Client,
  storage: S3ObjectStorage,
  keys: string[],
  signingDate: Date,
  expiresIn: number,
  overrides: { ResponseCacheControl: string },
): Promise<Variant[]> {
  const presignOptions = { signingDate, expiresIn };

  const sdk: Variant = {
    name: GET_SIGNED_URL,
    async run(offset, count) {
      for (let i = 0; i < count; i += 1) {
        await getSignedUrl(client, new GetObjectCommand({ Bucket: BUCKET, Key: keys[(offset + i) % KEY_COUNT], ...overrides }), presignOptions);
      }
    },
    firstUrl: () => getSignedUrl(client, new GetObjectCommand({ Bucket: BUCKET, Key: keys[0], ...overrides }), presignOptions),
  };

  // The request getSignedUrl hands to the signer after serialization, built once per URL here.
  const smithySigner = new SignatureV4({
    credentials: CREDENTIALS,
    region: REGION,
    service: 's3',
    sha256: client.config.sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const host = new URL(ENDPOINT).host;
  const smithyUrl = async (key: string) => {
    const path = `/${BUCKET}/${escapeObjectKey(key)}`;
    const presigned = await smithySigner.presign(
      {
        method: 'GET',
        protocol: 'http:',
        hostname: 'localhost',
        port: 4569,
        path,
        query: { 'response-cache-control': overrides.ResponseCacheControl, 'x-id': 'GetObject' },
        headers: { host, 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' },
      },
      { ...presignOptions, unsignableHeaders: new Set(['content-type']) },
    );
    return `${ENDPOINT}${path}?${formatQuery(presigned.query as Record<string, string>)}`;
  };
  const smithy: Variant = {
    name: SMITHY_PRESIGN,
    async run(offset, count) {
      for (let i = 0; i < count; i += 1) await smithyUrl(keys[(offset + i) % KEY_COUNT]);
    },
    firstUrl: () => smithyUrl(keys[0]),
  };

  const signer = await ViewUrlSigner.fromClient(client, { Bucket: BUCKET, ...overrides });
  const fast: Variant = {
    name: FAST,
    async run(offset, count) {
      for (let i = 0; i < count; i += 1) await signer.sign(keys[(offset + i) % KEY_COUNT], signingDate, expiresIn);
    },
    firstUrl: () => signer.sign(keys[0], signingDate, expiresIn),
  };

  for (const key of keys) await storage.createViewUrl({ key });
  const memo: Variant = {
    name: MEMO_HIT,
    async run(offset, count) {
      for (let i = 0; i < count; i += 1) await storage.createViewUrl({ key: keys[(offset + i) % KEY_COUNT] });
    },
    firstUrl: async () => (await storage.createViewUrl({ key: keys[0] })).url,
  };

  const floor = await buildFloor(client, keys, signingDate, expiresIn, overrides, host);
  return [sdk, smithy, fast, memo, floor];
}

/**
 * Builds the floor variant, the SigV4 arithmetic alone. Canonical requests and
 * the string-to-sign prefix are built beforehand, so a batch times one SHA-256
 * and one HMAC-SHA256 per URL. Its signature for key 0 is checked against
 * getSignedUrl's, so the floor hashes exactly what a real URL hashes.
 */
async function buildFloor(
  client: S3Client,
  keys: string[],
  signingDate: Date,
  expiresIn: number,
  overrides: { ResponseCacheControl: string },
  host: string,
): Promise<Variant> {
  const longDate = signingDate.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
  const shortDate = longDate.slice(0, 8);
  const scope = createScope(shortDate, REGION, 's3');
  const query = {
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD',
    'X-Amz-Credential': `${CREDENTIALS.accessKeyId}/${scope}`,
    'X-Amz-Date': longDate,
    'X-Amz-Expires': String(expiresIn),
    'X-Amz-SignedHeaders': 'host',
    'response-cache-control': overrides.ResponseCacheControl,
    'x-id': 'GetObject',
  };
  const canonicalQuery = getCanonicalQuery({ query } as unknown as Parameters<typeof getCanonicalQuery>[0]);
  const canonicalRequests = keys.map((key) => `GET\n/${BUCKET}/${key}\n${canonicalQuery}\nhost:${host}\n\nhost\nUNSIGNED-PAYLOAD`);
  const stringToSignHead = `AWS4-HMAC-SHA256\n${longDate}\n${scope}\n`;
  const signingKey = Buffer.from(await getSigningKey(client.config.sha256, CREDENTIALS, shortDate, REGION, 's3'));
  const sign = (index: number) => {
    const hash = createHash('sha256').update(canonicalRequests[index]).digest('hex');
    return createHmac('sha256', signingKey).update(stringToSignHead + hash).digest('hex');
  };

  const expected = await getSignedUrl(client, new GetObjectCommand({ Bucket: BUCKET, Key: keys[0], ...overrides }), { signingDate, expiresIn });
  if (new URL(expected).searchParams.get('X-Amz-Signature') !== sign(0)) {
    throw new Error('The floor computes a different signature than getSignedUrl; its canonical request is wrong.');
  }

  let sink = '';
  return {
    name: FLOOR,
    async run(offset, count) {
      for (let i = 0; i < count; i += 1) sink = sign((offset + i) % KEY_COUNT);
      if (sink.length !== 64) throw new Error('unreachable: a SHA-256 hex digest has 64 characters');
    },
    firstUrl: async () => null,
  };
}

/** Returns how many URLs fill about `milliseconds` of one variant's batch. */
async function calibrate(variant: Variant, milliseconds: number): Promise<number> {
  let count = 50;
  for (;;) {
    const started = performance.now();
    await variant.run(0, count);
    const elapsed = performance.now() - started;
    if (elapsed >= milliseconds / 4 || count >= 1_000_000) return Math.max(50, Math.round((count * milliseconds) / Math.max(elapsed, 0.001)));
    count *= 4;
  }
}

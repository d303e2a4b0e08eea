import type { BrowserContext, CDPSession, Page, Request, Response } from 'playwright-core';

import type { PageImage } from './page-globals';
import type { SeedAccount } from './offline-seed';

/** Maximum wait for one condition in the offline tests. Each test also has its own Jest timeout. */
export const CONDITION_TIMEOUT_MS = 30_000;

const POLL_INTERVAL_MS = 100;

/** Key of the persisted Apollo cache in localStorage. */
export const APOLLO_CACHE_KEY = 'sidestep.apollo-cache';

/** Browser storage APIs, as seen from a function that runs in the page (e2e/ has no DOM types). */
interface StorageGlobals {
  localStorage: { length: number; key(index: number): string | null; getItem(key: string): string | null };
  caches: {
    keys(): Promise<string[]>;
    open(name: string): Promise<{
      keys(): Promise<{ url: string }[]>;
      match(request: { url: string }): Promise<{ text(): Promise<string> } | undefined>;
      delete(request: { url: string }): Promise<boolean>;
    }>;
  };
  indexedDB: {
    databases(): Promise<{ name?: string }[]>;
    open(name: string): IndexedDbRequest<IndexedDbDatabase>;
  };
}

interface IndexedDbRequest<T> {
  result: T;
  error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
  onupgradeneeded?: (() => void) | null;
}

interface IndexedDbDatabase {
  objectStoreNames: { contains(name: string): boolean };
  transaction(store: string, mode: 'readonly' | 'readwrite'): {
    objectStore(name: string): {
      getAll(): IndexedDbRequest<Record<string, unknown>[]>;
      put(value: unknown): IndexedDbRequest<unknown>;
    };
    oncomplete: (() => void) | null;
    onerror: (() => void) | null;
  };
  close(): void;
}

/** Signs in through the app's form and waits for the gallery that follows. */
export async function signInInApp(page: Page, appOrigin: string, account: SeedAccount): Promise<void> {
  await page.goto(`${appOrigin}/sign-in`);
  await page.locator('input[name=email]').fill(account.email);
  await page.locator('input[name=password]').fill(account.password);
  await page.getByTestId('sign-in-submit').click();
  await page.waitForURL(`${appOrigin}/gallery`, { timeout: CONDITION_TIMEOUT_MS });
  await page.getByTestId('viewer-name').filter({ hasText: account.displayName }).waitFor({ timeout: CONDITION_TIMEOUT_MS });
}

/** One request for a URL of the storage origin, as Chromium reported it. */
export interface StorageRequest {
  url: string;
  /** True when the service worker made the request, so it went to the network or the HTTP cache. */
  byServiceWorker: boolean;
  /** True when the service worker responded to the page's request, from its cache or from its own request. */
  fromServiceWorker: boolean;
  failure: string | null;
}

/**
 * Records every request to the storage origin in the browser context: the page's image requests
 * and, separately, the requests that the service worker makes itself.
 *
 * A request "reaches storage" when it leaves the browser's service worker layer: either the
 * worker fetched it (`byServiceWorker`), or the worker did not respond to the page's request.
 * A page request that the worker serves from Cache Storage reaches nothing.
 */
export class StorageTraffic {
  private readonly requests = new Map<Request, StorageRequest>();
  private readonly onRequest = (request: Request): void => {
    if (new URL(request.url()).origin === this.storageOrigin) {
      this.requests.set(request, {
        url: request.url(),
        byServiceWorker: request.serviceWorker() !== null,
        fromServiceWorker: false,
        failure: null,
      });
    }
  };
  private readonly onResponse = (response: Response): void => {
    const recorded = this.requests.get(response.request());
    if (recorded) recorded.fromServiceWorker = response.fromServiceWorker();
  };
  private readonly onFailed = (request: Request): void => {
    const recorded = this.requests.get(request);
    if (recorded) recorded.failure = request.failure()?.errorText ?? 'failed';
  };

  constructor(
    private readonly context: BrowserContext,
    private readonly storageOrigin: string,
  ) {
    context.on('request', this.onRequest);
    context.on('response', this.onResponse);
    context.on('requestfailed', this.onFailed);
  }

  /** Page requests for storage URLs that the service worker responded to. */
  servedByServiceWorker(): StorageRequest[] {
    return this.all().filter((request) => !request.byServiceWorker && request.fromServiceWorker);
  }

  /**
   * Requests that left the browser's service worker layer for storage (see the class comment).
   * A page request still waiting for its response counts, because nothing responded to it yet.
   */
  reachingStorage(): StorageRequest[] {
    return this.all().filter((request) => request.byServiceWorker || !request.fromServiceWorker);
  }

  /** Requests that the service worker itself sent to storage. */
  sentByServiceWorker(): StorageRequest[] {
    return this.all().filter((request) => request.byServiceWorker);
  }

  stop(): void {
    this.context.off('request', this.onRequest);
    this.context.off('response', this.onResponse);
    this.context.off('requestfailed', this.onFailed);
  }

  private all(): StorageRequest[] {
    return [...this.requests.values()];
  }
}

/** Scrolls every gallery image into view, waits until it is decoded, and returns its source and width by image id. */
export async function waitForGalleryImages(page: Page, expectedCount: number): Promise<Map<string, { src: string; naturalWidth: number }>> {
  const tiles = page.getByTestId('gallery-item');
  await tiles.nth(expectedCount - 1).waitFor({ timeout: CONDITION_TIMEOUT_MS });

  const rendered = new Map<string, { src: string; naturalWidth: number }>();
  for (const tile of await tiles.all()) {
    const id = (await tile.getAttribute('data-image-id')) ?? '';
    const image = tile.locator('img');
    // Tiles load lazily, so each is brought into view before its image can load.
    await image.scrollIntoViewIfNeeded({ timeout: CONDITION_TIMEOUT_MS });
    // decode() rejects for an image that failed to load, which fails the test with the reason.
    await image.evaluate((element: PageImage) => element.decode(), undefined, { timeout: CONDITION_TIMEOUT_MS });
    rendered.set(id, {
      src: (await image.getAttribute('src')) ?? '',
      naturalWidth: await image.evaluate((element: PageImage) => element.naturalWidth),
    });
  }
  return rendered;
}

/** Reads every localStorage entry of the app's origin. */
export function readLocalStorage(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() => {
    const { localStorage } = globalThis as unknown as StorageGlobals;
    const entries: Record<string, string> = {};
    for (let index = 0; index < localStorage.length; index++) {
      const key = localStorage.key(index);
      if (key !== null) entries[key] = localStorage.getItem(key) ?? '';
    }
    return entries;
  });
}

/** Waits until the persisted Apollo cache contains every one of `texts`. */
export async function waitForPersistedCache(page: Page, texts: readonly string[]): Promise<void> {
  await page.waitForFunction(
    ({ key, expected }) => {
      const saved = (globalThis as unknown as StorageGlobals).localStorage.getItem(key) ?? '';
      return expected.every((text) => saved.includes(text));
    },
    { key: APOLLO_CACHE_KEY, expected: [...texts] },
    { timeout: CONDITION_TIMEOUT_MS },
  );
}

/** One Cache Storage cache: its name, the URLs of its entries, and the text of its table entries. */
export interface CacheContents {
  name: string;
  urls: string[];
  /** Bodies of the entries, for the service worker's small JSON tables (names with `:db:`) only. */
  tableText: string;
}

/** Reads every cache of the app's origin from Cache Storage. */
export function readCacheStorage(page: Page): Promise<CacheContents[]> {
  return page.evaluate(async () => {
    const { caches } = globalThis as unknown as StorageGlobals;
    const contents: CacheContents[] = [];
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      const requests = await cache.keys();
      let tableText = '';
      if (name.includes(':db:')) {
        for (const request of requests) {
          tableText += (await (await cache.match(request))?.text()) ?? '';
        }
      }
      contents.push({ name, urls: requests.map((request) => request.url), tableText });
    }
    return contents;
  });
}

/**
 * Runs `check` every POLL_INTERVAL_MS until it returns true, for at most CONDITION_TIMEOUT_MS.
 * It exists for conditions that only an async page function can read (Cache Storage), because
 * page.waitForFunction() counts the Promise that an async function returns as a truthy result.
 */
export async function pollUntil(description: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + CONDITION_TIMEOUT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${CONDITION_TIMEOUT_MS} ms waiting until ${description}.`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** Paths of the responses in the service worker's `images` data group. */
export async function cachedImagePaths(page: Page): Promise<string[]> {
  const caches = await readCacheStorage(page);
  const responses = caches.find((cache) => /:data:images:cache$/.test(cache.name));
  return (responses?.urls ?? []).map((url) => new URL(url).pathname);
}

/**
 * Deletes an image's response from the service worker's `images` data group, as the worker
 * does once the group contains more than its maxSize. Returns how many responses it deleted.
 */
export function evictCachedImage(page: Page, imageId: string): Promise<number> {
  return page.evaluate(async (id) => {
    const { caches } = globalThis as unknown as StorageGlobals;
    let deleted = 0;
    for (const name of await caches.keys()) {
      if (!/:data:images:cache$/.test(name)) continue;
      const cache = await caches.open(name);
      for (const request of await cache.keys()) {
        if (new URL(request.url).pathname.endsWith(`/images/${id}`) && (await cache.delete(request))) deleted += 1;
      }
    }
    return deleted;
  }, imageId);
}

/** Waits until the service worker's `images` data group contains a response for every image id. */
export async function waitForCachedImages(page: Page, imageIds: readonly string[]): Promise<void> {
  await pollUntil('the worker cached every image', async () => {
    const paths = await cachedImagePaths(page);
    return imageIds.every((id) => paths.some((path) => path.endsWith(`/images/${id}`)));
  });
}

/**
 * Empties the browser's HTTP cache. Images then load offline only from the service worker's
 * Cache Storage. The HTTP cache would serve them too until their `max-age` ends, and with
 * Chromium 150 and playwright-core 1.65 a service worker request that the HTTP cache served
 * raised no request event in these tests.
 */
export async function clearHttpCache(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('Network.clearBrowserCache');
  } finally {
    await cdp.detach();
  }
}

/** Reads the records of the client's upload queue from IndexedDB, without their bytes. */
export function readUploadQueue(page: Page): Promise<Record<string, unknown>[]> {
  return page.evaluate(async () => {
    const { indexedDB } = globalThis as unknown as StorageGlobals;
    if (!(await indexedDB.databases()).some((database) => database.name === 'sidestep-uploads')) {
      return [];
    }
    const database = await new Promise<IndexedDbDatabase>((resolve, reject) => {
      const request = indexedDB.open('sidestep-uploads');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(new Error(String(request.error)));
    });
    try {
      if (!database.objectStoreNames.contains('queue')) return [];
      return await new Promise<Record<string, unknown>[]>((resolve, reject) => {
        const request = database.transaction('queue', 'readonly').objectStore('queue').getAll();
        request.onsuccess = () => resolve(request.result.map(({ file: _file, ...record }) => record));
        request.onerror = () => reject(new Error(String(request.error)));
      });
    } finally {
      database.close();
    }
  });
}

// DevTools sessions that report the network state of a page's documents. Chromium drops the
// override when its session detaches, so each stays open for the page's life.
const networkStateSessions = new WeakMap<Page, CDPSession>();

async function reportNetworkState(page: Page, offline: boolean): Promise<void> {
  let session = networkStateSessions.get(page);
  if (!session) {
    session = await page.context().newCDPSession(page);
    networkStateSessions.set(page, session);
  }
  await session.send('Network.overrideNetworkState', { offline, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
}

/**
 * Reloads the page while the browser context is offline, and makes the new document report
 * `navigator.onLine === false` with an `offline` event, as a really offline browser does from the
 * start. Chromium 150 driven by playwright-core 1.65 keeps the emulated network offline across a
 * reload but reports `navigator.onLine === true` in every new document.
 */
export async function reloadOffline(page: Page): Promise<void> {
  await loadOffline(page, () => page.reload({ waitUntil: 'commit' }));
}

/** Opens `url` while the browser context is offline, like `reloadOffline`. */
export async function gotoOffline(page: Page, url: string): Promise<void> {
  await loadOffline(page, () => page.goto(url, { waitUntil: 'commit' }));
}

async function loadOffline(page: Page, navigate: () => Promise<unknown>): Promise<void> {
  await navigate();
  await reportNetworkState(page, true);
  await page.waitForLoadState('load');
  await page.waitForFunction(() => !(globalThis as unknown as { navigator: { onLine: boolean } }).navigator.onLine, undefined, {
    timeout: CONDITION_TIMEOUT_MS,
  });
}

/** Turns the context's network back on; the page gets the `online` event as from a real network. */
export async function goOnline(page: Page): Promise<void> {
  await page.context().setOffline(false);
  if (networkStateSessions.has(page)) {
    await reportNetworkState(page, false);
  }
  await page.waitForFunction(() => (globalThis as unknown as { navigator: { onLine: boolean } }).navigator.onLine, undefined, {
    timeout: CONDITION_TIMEOUT_MS,
  });
}

/** A record for the client's upload queue, as UploadQueueStore writes it to IndexedDB. */
export interface QueueRecordInput {
  id: string;
  bytes: number[];
  name: string;
  type: string;
  visibility: 'PRIVATE' | 'PUBLIC';
  grant: { image: { id: string }; url: string; method: string; headers: { name: string; value: string }[]; expiresAt: string } | null;
  stored: boolean;
}

/**
 * Writes a record into the client's upload queue behind the app's back, as a tab that closed
 * mid-upload leaves it. The app picks it up when it restores the queue, at its next start.
 */
export async function addToUploadQueue(page: Page, input: QueueRecordInput): Promise<void> {
  await page.evaluate(async ({ bytes, ...record }) => {
    const globals = globalThis as unknown as StorageGlobals & {
      Blob: new (parts: unknown[], options: { type: string }) => unknown;
      Uint8Array: typeof Uint8Array;
    };
    const database = await new Promise<IndexedDbDatabase>((resolve, reject) => {
      const request = globals.indexedDB.open('sidestep-uploads');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(new Error(String(request.error)));
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const transaction = database.transaction('queue', 'readwrite');
        transaction.objectStore('queue').put({
          ...record,
          file: new globals.Blob([new globals.Uint8Array(bytes)], { type: record.type }),
          lastModified: Date.now(),
          queuedAt: Date.now(),
          failure: null,
        });
        transaction.oncomplete = () => resolve();
        transaction.onerror = () => reject(new Error('Writing the upload queue record failed.'));
      });
    } finally {
      database.close();
    }
  }, input);
}

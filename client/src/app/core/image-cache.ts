// Cache Storage entries of the service worker's `images` data group. In @angular/service-worker
// 21.2 a data group named `images` with `version` 1, under the scope path `/`, uses:
//   ngsw:/:1:data:images:cache     the cached responses, one per image URL
//   ngsw:/:db:1:data:images:age    the time each response was cached, keyed by its URL
//   ngsw:/:db:1:data:images:lru    the least-recently-used list of URLs, as one JSON entry
// (ngsw-worker.js: `DataGroup` opens `<prefix>:<name>:cache` and the `CacheDatabase` tables
// `db:<prefix>:<name>:age|lru`, with `<prefix>` = `<version>:data`, all under `ngsw:<scope>`.)
const IMAGE_RESPONSES = /^ngsw:[^:]*:\d+:data:images:cache$/;
const IMAGE_AGE_TABLE = /^ngsw:[^:]*:db:\d+:data:images:age$/;
const IMAGE_LRU_TABLE = /^ngsw:[^:]*:db:\d+:data:images:lru$/;

/**
 * Deletes the image bytes and image URLs that the service worker keeps for the signed-in user,
 * so that the next person on this browser can see none of them, online or offline.
 *
 * The running worker keeps the caches it opened, so the responses and the age table are emptied
 * entry by entry, not deleted. A deleted cache stays readable through the worker's open handle
 * until the worker stops, and the worker would go on serving the previous user's images from
 * it. The LRU table is deleted instead, because the worker keeps the list in memory and
 * writes all of it back on its next change. Its writes then go to the detached cache, which
 * nothing can read after the worker stops, and the worker starts a new list on its next start.
 *
 * NOTE: until the worker stops, its in-memory LRU list still contains the previous user's URLs
 * (never their bytes). It uses them only to pick entries to evict. Responses cached before the
 * worker restarts are missing from its new list, so `maxSize` never evicts them, only `maxAge`
 * when they are requested again. The browser's HTTP cache
 * also keeps each image under its exact signed URL until its `max-age` ends, and no web API
 * deletes HTTP cache entries. Nothing else on the device keeps those URLs after signing out.
 */
export async function clearImageCaches(): Promise<void> {
  if (typeof caches === 'undefined') {
    return;
  }

  const names = await caches.keys();
  await Promise.all(
    names.map((name) => {
      if (IMAGE_LRU_TABLE.test(name)) {
        return caches.delete(name);
      }
      if (IMAGE_RESPONSES.test(name) || IMAGE_AGE_TABLE.test(name)) {
        return emptyCache(name);
      }
      return undefined;
    }),
  );
}

async function emptyCache(name: string): Promise<void> {
  const cache = await caches.open(name);
  const requests = await cache.keys();
  await Promise.all(requests.map((request) => cache.delete(request)));
}

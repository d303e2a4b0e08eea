// Name part shared by the Cache Storage entries of the service worker's `images` data group.
// In @angular/service-worker 21, `ngsw:<scope>:<version>:data:images:cache` contains the
// responses and `ngsw:<scope>:db:<version>:data:images:{lru,age}` their LRU and age tables.
const IMAGE_CACHE_MARKER = ':data:images:';

/**
 * Deletes the service worker's cached image responses, so that the next person on this device
 * cannot see them offline.
 *
 * NOTE: a running worker keeps its already opened cache objects, so images viewed before the
 * worker restarts are written to detached caches that are no longer readable after a restart.
 */
export async function deleteImageCaches(): Promise<void> {
  if (typeof caches === 'undefined') {
    return;
  }

  const names = await caches.keys();
  const imageCaches = names.filter((name) => name.includes(IMAGE_CACHE_MARKER));
  await Promise.all(imageCaches.map((name) => caches.delete(name)));
}

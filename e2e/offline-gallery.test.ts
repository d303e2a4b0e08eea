import { launchBrowser, type BrowserSession } from './support/browser';
import {
  CONDITION_TIMEOUT_MS,
  StorageTraffic,
  clearHttpCache,
  evictCachedImage,
  goOnline,
  reloadOffline,
  signInInApp,
  waitForCachedImages,
  waitForGalleryImages,
  waitForPersistedCache,
} from './support/offline-browser';
import { createAccount, seedImages, type SeedAccount, type SeededImage } from './support/offline-seed';
import type { PageImage } from './support/page-globals';
import { productUnderTest, waitForServiceWorkerControl } from './support/product';

const IMAGE_COUNT = 24;
const TEST_TIMEOUT_MS = 120_000;

/** Returns the signing time of a presigned URL (`X-Amz-Date`), which the API rounds down to its window. */
function signingWindow(src: string): string | null {
  return new URL(src).searchParams.get('X-Amz-Date');
}

describe('gallery without a network', () => {
  const product = productUnderTest();
  let session: BrowserSession;
  let account: SeedAccount;
  let images: SeededImage[];
  let onlineSources: Map<string, { src: string; naturalWidth: number }>;

  beforeAll(async () => {
    account = await createAccount(product.appOrigin, 'Ada');
    images = await seedImages(product.appOrigin, account, IMAGE_COUNT - 1, 'offline-gallery');
    session = await launchBrowser();
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await session?.close();
  });

  test(
    'online gallery loads through the worker',
    async () => {
      const { page, context } = session;
      await signInInApp(page, product.appOrigin, account);
      await waitForServiceWorkerControl(page);
      // This image arrives after the worker took control, so the worker must fetch it from
      // storage itself. That proves that the recorder receives the worker's own requests.
      const [late] = await seedImages(product.appOrigin, account, 1, 'offline-gallery-late', IMAGE_COUNT - 1);
      images.push(late);

      const traffic = new StorageTraffic(context, product.storageOrigin);
      await page.reload();
      await waitForServiceWorkerControl(page);
      onlineSources = await waitForGalleryImages(page, IMAGE_COUNT);
      traffic.stop();

      expect([...onlineSources.keys()].sort()).toEqual(images.map((image) => image.id).sort());
      for (const { src, naturalWidth } of onlineSources.values()) {
        expect(new URL(src).origin).toBe(product.storageOrigin);
        expect(naturalWidth).toBeGreaterThan(0);
      }
      const fetchedByWorker = traffic.sentByServiceWorker().map((request) => new URL(request.url).pathname);
      expect(fetchedByWorker).toContainEqual(expect.stringMatching(new RegExp(`/images/${late.id}$`)));

      await waitForCachedImages(page, images.map((image) => image.id));
      await waitForPersistedCache(page, images.map((image) => image.id));
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'offline reload renders every image from the worker',
    async () => {
      const { page, context } = session;
      // Only the worker's Cache Storage may serve the images, not the browser's HTTP cache.
      await clearHttpCache(page);
      const traffic = new StorageTraffic(context, product.storageOrigin);
      await context.setOffline(true);
      await reloadOffline(page);

      await page.getByTestId('offline-badge').waitFor({ timeout: CONDITION_TIMEOUT_MS });
      const offlineSources = await waitForGalleryImages(page, IMAGE_COUNT);
      traffic.stop();

      expect(offlineSources.size).toBe(IMAGE_COUNT);
      for (const image of images) {
        expect(offlineSources.get(image.id)?.naturalWidth).toBe(image.width);
      }
      expect(await page.getByTestId('gallery-count').textContent()).toContain(`${IMAGE_COUNT} images`);
      expect(await page.getByTestId('gallery-offline-note').isVisible()).toBe(true);
      expect(await page.getByTestId('gallery-error').count()).toBe(0);

      expect(traffic.servedByServiceWorker().length).toBeGreaterThanOrEqual(IMAGE_COUNT);
      expect(traffic.reachingStorage()).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'offline image details render and deleting is disabled',
    async () => {
      const { page, context } = session;
      const [first] = images;
      const traffic = new StorageTraffic(context, product.storageOrigin);

      await page.locator(`[data-testid=gallery-item][data-image-id="${first.id}"]`).click();
      await page.waitForURL(`${product.appOrigin}/images/${first.id}`, { timeout: CONDITION_TIMEOUT_MS });
      const detail = page.getByTestId('image-detail');
      await detail.waitFor({ timeout: CONDITION_TIMEOUT_MS });
      const image = detail.locator('img');
      await image.evaluate((element: PageImage) => element.decode(), undefined, { timeout: CONDITION_TIMEOUT_MS });
      traffic.stop();

      expect(await image.evaluate((element: PageImage) => element.naturalWidth)).toBe(first.width);
      expect(await page.getByTestId('image-dimensions').textContent()).toBe(`${first.width}×${first.height}`);
      expect(await page.getByTestId('delete-image').isDisabled()).toBe(true);
      expect(await page.getByTestId('image-offline-note').textContent()).toContain('Deleting needs a connection');
      expect(traffic.reachingStorage()).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'online again within the window, no request reaches storage',
    async () => {
      const { page, context } = session;
      await goOnline(page);
      await page.goto(`${product.appOrigin}/gallery`);
      await waitForServiceWorkerControl(page);

      await clearHttpCache(page);
      const traffic = new StorageTraffic(context, product.storageOrigin);
      const imagesQuery = page.waitForResponse(
        (response) => response.url().endsWith('/graphql') && (response.request().postData() ?? '').includes('query Images'),
        { timeout: CONDITION_TIMEOUT_MS },
      );
      await page.reload();
      await waitForServiceWorkerControl(page);
      expect((await imagesQuery).status()).toBe(200);
      // The page renders the server's fresh URLs once the response is in the cache.
      await page.getByTestId('offline-badge').waitFor({ state: 'detached', timeout: CONDITION_TIMEOUT_MS });
      const sources = await waitForGalleryImages(page, IMAGE_COUNT);
      traffic.stop();

      for (const image of images) {
        const before = onlineSources.get(image.id)!.src;
        const after = sources.get(image.id)!.src;
        // Within one signing window the API returns the byte-identical URL. A test that runs
        // across a window boundary gets new URLs, which the worker still serves from its cache.
        if (signingWindow(before) === signingWindow(after)) {
          expect(after).toBe(before);
        }
        expect(sources.get(image.id)?.naturalWidth).toBe(image.width);
      }
      expect(traffic.servedByServiceWorker().length).toBeGreaterThanOrEqual(IMAGE_COUNT);
      expect(traffic.reachingStorage()).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'an image the worker did not keep shows a placeholder offline',
    async () => {
      const { page, context } = session;
      const evicted = images[1];
      expect(await evictCachedImage(page, evicted.id)).toBe(1);
      await clearHttpCache(page);
      await context.setOffline(true);
      await reloadOffline(page);

      const tile = page.locator(`[data-testid=gallery-item][data-image-id="${evicted.id}"]`);
      const placeholder = tile.getByTestId('gallery-unavailable-offline');
      await placeholder.waitFor({ timeout: CONDITION_TIMEOUT_MS });
      expect(await placeholder.textContent()).toBe('Not saved for offline use');
      expect(await tile.locator('img').count()).toBe(0);
      // Its neighbour, still in the worker's cache, renders as before.
      const neighbour = page.locator(`[data-testid=gallery-item][data-image-id="${images[0].id}"] img`);
      await neighbour.evaluate((element: PageImage) => element.decode(), undefined, { timeout: CONDITION_TIMEOUT_MS });
      expect(await neighbour.evaluate((element: PageImage) => element.naturalWidth)).toBe(images[0].width);

      // Back online, the tile loads the image again without a reload.
      await goOnline(page);
      const image = tile.locator('img');
      await image.waitFor({ timeout: CONDITION_TIMEOUT_MS });
      await image.evaluate((element: PageImage) => element.decode(), undefined, { timeout: CONDITION_TIMEOUT_MS });
      expect(await image.evaluate((element: PageImage) => element.naturalWidth)).toBe(evicted.width);
      expect(await placeholder.count()).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );
});

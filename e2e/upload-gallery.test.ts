import { cameraJpeg, png } from '../api/test/support/fixtures';
import { launchBrowser, throttleUploads, type BrowserSession } from './support/browser';
import type { PageGlobals, PageImage } from './support/page-globals';
import { productUnderTest, signUpInApp, waitForFinishedUploads, waitForServiceWorkerControl } from './support/product';

/** Upload speed while the files go to storage: the 4 MB photo then takes about three seconds. */
const UPLOAD_BYTES_PER_SECOND = 1_500_000;

const PHOTO = { name: 'camera-photo.jpg', mimeType: 'image/jpeg', width: 3000, height: 2000 };
const SCREENSHOT = { name: 'screenshot.png', mimeType: 'image/png', width: 1200, height: 800 };

interface ProgressSample {
  label: string;
  value: number;
  max: number;
}

type ProgressRecordingPage = PageGlobals & { progressSamples: ProgressSample[] };

/** Starts recording, inside the page, every value that the upload progress bars take, and returns a reader of the samples. */
async function recordProgressBars(session: BrowserSession): Promise<() => Promise<ProgressSample[]>> {
  await session.page.evaluate(() => {
    const page = globalThis as unknown as ProgressRecordingPage;
    const samples: ProgressSample[] = [];
    page.progressSamples = samples;
    new page.MutationObserver((mutations) => {
      for (const mutation of mutations) {
        const bar = mutation.target;
        if (bar.getAttribute('data-testid') !== 'upload-progress') continue;
        samples.push({
          label: bar.getAttribute('aria-label') ?? '',
          value: Number(bar.getAttribute('value')),
          max: Number(bar.getAttribute('max')),
        });
      }
    }).observe(page.document.body, { subtree: true, attributes: true, attributeFilter: ['value'] });
  });
  return () => session.page.evaluate(() => (globalThis as unknown as ProgressRecordingPage).progressSamples);
}

describe('upload and gallery in Chromium', () => {
  const product = productUnderTest();
  let session: BrowserSession;
  let photo: Buffer;

  beforeAll(async () => {
    photo = await cameraJpeg(PHOTO.width, PHOTO.height, 95);
    session = await launchBrowser();
  });

  afterAll(async () => {
    await session?.close();
  });

  test('sign-up opens the gallery under the service worker', async () => {
    await signUpInApp(session.page, product.appOrigin, 'Grace');
    await waitForServiceWorkerControl(session.page);

    const workerUrl = await session.page.evaluate(
      () => (globalThis as unknown as PageGlobals).navigator.serviceWorker.controller?.scriptURL,
    );
    expect(workerUrl).toBe(`${product.appOrigin}/ngsw-worker.js`);
  });

  test('file input uploads a camera JPEG and a PNG with progress', async () => {
    const { page } = session;
    expect(photo.length).toBeGreaterThan(3_000_000);
    await page.goto(`${product.appOrigin}/upload`);
    await waitForServiceWorkerControl(page);
    await throttleUploads(page, UPLOAD_BYTES_PER_SECOND);
    const progressSamples = await recordProgressBars(session);

    await page.getByTestId('upload-input').setInputFiles([
      { name: PHOTO.name, mimeType: PHOTO.mimeType, buffer: photo },
      { name: SCREENSHOT.name, mimeType: SCREENSHOT.mimeType, buffer: await png(SCREENSHOT.width, SCREENSHOT.height) },
    ]);
    const uploads = await waitForFinishedUploads(page, 2);

    expect(uploads).toEqual([
      expect.objectContaining({ name: PHOTO.name, phase: 'done', error: null }),
      expect.objectContaining({ name: SCREENSHOT.name, phase: 'done', error: null }),
    ]);
    const photoUpload = uploads.find((upload) => upload.name === PHOTO.name)!;
    expect(photoUpload.progressEvents).toBeGreaterThanOrEqual(3);

    // The progress bar itself shows the upload moving: at least three partial values, rising.
    const photoValues = (await progressSamples())
      .filter((sample) => sample.label.endsWith(PHOTO.name) && sample.value > 0 && sample.value < sample.max)
      .map((sample) => sample.value);
    expect(new Set(photoValues).size).toBeGreaterThanOrEqual(3);
    expect(photoValues).toEqual([...photoValues].sort((a, b) => a - b));
    const photoStatus = page.getByTestId('upload-item').filter({ hasText: PHOTO.name }).getByTestId('upload-status');
    expect(await photoStatus.textContent()).toContain('Done');
  });

  test('gallery shows both images with their dimensions', async () => {
    const { page } = session;
    await page.getByRole('link', { name: 'Open the gallery' }).click();
    await page.waitForURL(`${product.appOrigin}/gallery`);

    await expectGalleryToShowBothImages(session, product.storageOrigin);
  });

  test('gallery still shows both images after a reload', async () => {
    const { page } = session;
    await page.reload();
    await waitForServiceWorkerControl(page);

    await expectGalleryToShowBothImages(session, product.storageOrigin);
  });

  test('deleting asks first, and Keep leaves the image', async () => {
    const { page } = session;
    await page.getByTestId('gallery-item').filter({ hasText: SCREENSHOT.name }).click();
    await page.getByTestId('image-detail').waitFor();

    await page.getByTestId('delete-image').click();
    const prompt = page.getByTestId('confirm-delete');
    expect(await prompt.textContent()).toContain(`Delete ${SCREENSHOT.name}? This cannot be undone.`);
    await page.getByTestId('confirm-delete-no').click();
    await prompt.waitFor({ state: 'detached' });
    expect(await page.getByTestId('delete-image').isEnabled()).toBe(true);

    await page.getByTestId('delete-image').click();
    await page.getByTestId('confirm-delete-yes').click();
    await page.waitForURL(`${product.appOrigin}/gallery`);
    const items = page.getByTestId('gallery-item');
    // The gallery loads its list again after a delete, so wait for the image that stays.
    await items.filter({ hasText: PHOTO.name }).waitFor();
    expect(await items.count()).toBe(1);
    expect(await items.filter({ hasText: SCREENSHOT.name }).count()).toBe(0);
  });
});

async function expectGalleryToShowBothImages(session: BrowserSession, storageOrigin: string): Promise<void> {
  const { page } = session;
  const items = page.getByTestId('gallery-item');
  await items.nth(1).waitFor();
  expect(await items.count()).toBe(2);

  for (const expected of [PHOTO, SCREENSHOT]) {
    const item = items.filter({ hasText: expected.name });
    expect(await item.getByTestId('gallery-dimensions').textContent()).toBe(`${expected.width}×${expected.height}`);
    // Private images skip moderation.
    expect(await item.getAttribute('data-status')).toBe('APPROVED');

    // The tile shows the bytes themselves, loaded straight from storage through a presigned URL.
    const image = item.locator('img');
    const source = new URL((await image.getAttribute('src')) ?? '');
    expect(source.origin).toBe(storageOrigin);
    expect(source.pathname).toMatch(/\/images\/[\w-]+$/);
    expect(source.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    await image.evaluate((element: PageImage) => element.decode());
    expect(await image.evaluate((element: PageImage) => element.naturalWidth)).toBe(expected.width);
  }
}

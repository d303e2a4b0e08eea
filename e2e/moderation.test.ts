import type { Frame, Locator, Page } from 'playwright-core';
import { png } from '../api/test/support/fixtures';
import { launchBrowser, type BrowserSession } from './support/browser';
import { signUpInApp, waitForFinishedUploads } from './support/product';
import { startProductInstance, type ProductInstance } from './support/product-instance';
import type { PageElement, PageImage } from './support/page-globals';
import { E2E_ADMIN } from './support/product-server';

/**
 * Bounds on each wait for the page and on each test, so that a failing step is reported within
 * seconds. A passing run of this file took 15 to 26 s on a 2-core machine, product start included.
 */
const STEP_TIMEOUT_MS = 10_000;
const TEST_TIMEOUT_MS = 20_000;
/** Time for the dedicated product to start, including a first PostgreSQL initdb, or to stop. */
const PRODUCT_START_TIMEOUT_MS = 60_000;

const APPROVED_FILE = { name: 'harbour-at-dusk.png', width: 640, height: 480 };
const REJECTED_FILE = { name: 'licence-plate.png', width: 320, height: 240 };
const REJECTION_REASON = 'A licence plate is readable in the lower left corner. Blur it and upload again.';

jest.setTimeout(TEST_TIMEOUT_MS);

interface ImagesResponse {
  data: { images: { edges: { node: { id: string; status: string } }[] } };
}

/** The part of a page's document that lists the gallery tiles. */
interface TileDocument {
  document: { querySelectorAll(selector: string): ArrayLike<PageElement> };
}

/** Reads the image id from the "View" link of a finished upload row. */
async function uploadedImageId(page: Page, filename: string): Promise<string> {
  const href = await page.getByTestId('upload-item').filter({ hasText: filename }).getByRole('link', { name: 'View' }).getAttribute('href');
  const id = href?.match(/^\/images\/([\w-]+)$/)?.[1];
  if (!id) throw new Error(`The upload row of ${filename} links to "${href}", not to /images/<id>.`);
  return id;
}

/**
 * Opens the gallery and waits until its tiles show exactly the images and statuses of the server's
 * `images` response. A missing tile then means that the API left the image out, and no status
 * comes from the persisted Apollo cache. Returns the image ids of the response.
 */
async function openGallery(page: Page, appOrigin: string): Promise<string[]> {
  // Only a request sent after the new document committed counts. A request of the page that
  // goto() replaces could match too, but its response body is gone after the navigation.
  let committed = false;
  const markCommitted = (frame: Frame) => {
    if (frame === page.mainFrame()) committed = true;
  };
  page.on('framenavigated', markCommitted);
  const imagesRequest = page.waitForRequest(
    (request) => committed && request.url() === `${appOrigin}/graphql` && (request.postData() ?? '').includes('query Images'),
  );
  try {
    await page.goto(`${appOrigin}/gallery`);
  } finally {
    page.off('framenavigated', markCommitted);
  }
  const response = await (await imagesRequest).response();
  if (!response) throw new Error('The images query of the gallery got no response.');
  const body = (await response.json()) as ImagesResponse;
  const nodes = body.data.images.edges.map((edge) => edge.node);
  await page.waitForFunction(
    (expected) => {
      const tiles = (globalThis as unknown as TileDocument).document.querySelectorAll('[data-testid=gallery-item]');
      const rendered = Array.from(tiles, (tile) => `${tile.getAttribute('data-image-id')}:${tile.getAttribute('data-status')}`);
      return rendered.join() === expected.join();
    },
    nodes.map((node) => `${node.id}:${node.status}`),
  );
  return nodes.map((node) => node.id);
}

function galleryTile(page: Page, imageId: string): Locator {
  return page.locator(`[data-testid=gallery-item][data-image-id="${imageId}"]`);
}

/** Signs in through the app's form with an existing account and waits for the gallery. */
async function signInInApp(page: Page, appOrigin: string, email: string, password: string): Promise<void> {
  await page.goto(`${appOrigin}/sign-in`);
  await page.locator('input[name=email]').fill(email);
  await page.locator('input[name=password]').fill(password);
  await page.getByTestId('sign-in-submit').click();
  await page.waitForURL(`${appOrigin}/gallery`);
}

// Approved public images are visible to every user, so this file runs its own product. In the
// shared one they would appear in other files' galleries, and other files' images in this queue.
describe('moderation in Chromium', () => {
  let product: ProductInstance;
  let owner: BrowserSession;
  let viewer: BrowserSession;
  let moderator: BrowserSession;
  let approvedId: string;
  let rejectedId: string;

  beforeAll(async () => {
    [product, owner, viewer, moderator] = await Promise.all([
      startProductInstance({}),
      launchBrowser(),
      launchBrowser(),
      launchBrowser(),
    ]);
    for (const session of [owner, viewer, moderator]) {
      session.page.setDefaultTimeout(STEP_TIMEOUT_MS);
    }
  }, PRODUCT_START_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all([owner?.close(), viewer?.close(), moderator?.close()]);
    await product?.stop();
  }, PRODUCT_START_TIMEOUT_MS);

  test('public uploads wait for review', async () => {
    const { page } = owner;
    await signUpInApp(page, product.appOrigin, 'Ada');
    await page.goto(`${product.appOrigin}/upload`);
    await page.getByTestId('visibility-public').check();

    await page.getByTestId('upload-input').setInputFiles([
      { name: APPROVED_FILE.name, mimeType: 'image/png', buffer: await png(APPROVED_FILE.width, APPROVED_FILE.height) },
      { name: REJECTED_FILE.name, mimeType: 'image/png', buffer: await png(REJECTED_FILE.width, REJECTED_FILE.height) },
    ]);
    const uploads = await waitForFinishedUploads(page, 2);
    expect(uploads.map(({ name, phase, error }) => ({ name, phase, error }))).toEqual([
      { name: APPROVED_FILE.name, phase: 'done', error: null },
      { name: REJECTED_FILE.name, phase: 'done', error: null },
    ]);
    approvedId = await uploadedImageId(page, APPROVED_FILE.name);
    rejectedId = await uploadedImageId(page, REJECTED_FILE.name);

    const listedIds = await openGallery(page, product.appOrigin);
    expect([...listedIds].sort()).toEqual([approvedId, rejectedId].sort());
    for (const id of [approvedId, rejectedId]) {
      const status = galleryTile(page, id).getByTestId('gallery-status');
      expect(await status.getAttribute('data-status')).toBe('IN_REVIEW');
      expect(await status.textContent()).toBe('In review');
    }
  });

  test('other user cannot see images in review', async () => {
    const { page } = viewer;
    await signUpInApp(page, product.appOrigin, 'Brian');

    const listedIds = await openGallery(page, product.appOrigin);
    expect(listedIds).toEqual([]);
    expect(await page.getByTestId('gallery-count').textContent()).toContain('0 images');
    expect(await galleryTile(page, approvedId).count()).toBe(0);
    expect(await galleryTile(page, rejectedId).count()).toBe(0);

    await page.goto(`${product.appOrigin}/images/${approvedId}`);
    await page.getByTestId('image-not-found').waitFor();
    expect(await page.getByTestId('image-detail').count()).toBe(0);
  });

  test('moderator approves with the A key', async () => {
    const { page } = moderator;
    await signInInApp(page, product.appOrigin, E2E_ADMIN.email, E2E_ADMIN.password);
    await page.getByTestId('nav-admin').click();
    await page.waitForURL(`${product.appOrigin}/admin/queue`);

    // The page claims a batch when it opens, and the batch contains both images of the owner.
    const item = page.locator(`[data-testid=queue-item][data-image-id="${approvedId}"]`);
    await item.getByRole('button', { name: APPROVED_FILE.name }).click();
    const preview = page.locator(`[data-testid=queue-preview][data-image-id="${approvedId}"]`);
    await preview.waitFor();
    expect(await preview.getByTestId('queue-preview-filename').textContent()).toBe(APPROVED_FILE.name);
    const previewImage = preview.getByTestId('queue-preview-image');
    await previewImage.evaluate((image: PageImage) => image.decode());
    expect(await previewImage.evaluate((image: PageImage) => image.naturalWidth)).toBe(APPROVED_FILE.width);

    await page.keyboard.press('a');
    await page.getByTestId('queue-notice').filter({ hasText: `Approved ${APPROVED_FILE.name}.` }).waitFor();
    await item.waitFor({ state: 'detached' });
    expect(await page.getByTestId('queue-error').count()).toBe(0);
  });

  test('moderator rejects with a written reason', async () => {
    const { page } = moderator;
    const item = page.locator(`[data-testid=queue-item][data-image-id="${rejectedId}"]`);
    await item.getByRole('button', { name: REJECTED_FILE.name }).click();
    await page.locator(`[data-testid=queue-preview][data-image-id="${rejectedId}"]`).waitFor();

    await page.getByTestId('queue-reason-preset').selectOption({ label: 'Other reason…' });
    await page.getByTestId('queue-reason-text').fill(REJECTION_REASON);
    await page.getByTestId('queue-reject').click();
    await page.getByTestId('queue-notice').filter({ hasText: `Rejected ${REJECTED_FILE.name}.` }).waitFor();
    await item.waitFor({ state: 'detached' });
    expect(await page.getByTestId('queue-error').count()).toBe(0);
  });

  test('other user sees only the approved image', async () => {
    const { page } = viewer;
    const listedIds = await openGallery(page, product.appOrigin);
    expect(listedIds).toEqual([approvedId]);
    expect(await page.getByTestId('gallery-count').textContent()).toContain('1 image');
    const approved = galleryTile(page, approvedId);
    expect(await approved.getAttribute('data-status')).toBe('APPROVED');
    expect(await approved.getByTestId('gallery-dimensions').textContent()).toBe(`${APPROVED_FILE.width}×${APPROVED_FILE.height}`);

    await approved.click();
    await page.waitForURL(`${product.appOrigin}/images/${approvedId}`);
    await page.locator('[data-testid=image-status][data-status=APPROVED]').waitFor();
    const image = page.getByTestId('image-detail').locator('img');
    expect(new URL((await image.getAttribute('src')) ?? '').origin).toBe(product.storageOrigin);
    await image.evaluate((element: PageImage) => element.decode());
    expect(await image.evaluate((element: PageImage) => element.naturalWidth)).toBe(APPROVED_FILE.width);

    await page.goto(`${product.appOrigin}/images/${rejectedId}`);
    await page.getByTestId('image-not-found').waitFor();
    expect(await page.getByTestId('image-detail').count()).toBe(0);
  });

  test('owner sees the rejection reason', async () => {
    const { page } = owner;
    await openGallery(page, product.appOrigin);
    const rejectedStatus = galleryTile(page, rejectedId).getByTestId('gallery-status');
    expect(await rejectedStatus.getAttribute('data-status')).toBe('REJECTED');
    expect(await rejectedStatus.textContent()).toBe('Rejected');
    expect(await galleryTile(page, approvedId).getByTestId('gallery-status').getAttribute('data-status')).toBe('APPROVED');

    await galleryTile(page, rejectedId).click();
    await page.waitForURL(`${product.appOrigin}/images/${rejectedId}`);
    await page.locator('[data-testid=image-status][data-status=REJECTED]').waitFor();
    expect(await page.getByTestId('image-rejection-reason').textContent()).toBe(REJECTION_REASON);
  });
});

import { randomUUID } from 'node:crypto';

import { cameraJpeg } from '../api/test/support/fixtures';
import { launchBrowser, throttleUploads, type BrowserSession } from './support/browser';
import {
  CONDITION_TIMEOUT_MS,
  addToUploadQueue,
  goOnline,
  readUploadQueue,
  reloadOffline,
  signInInApp,
} from './support/offline-browser';
import { createAccount, graphql, requestGrant, seedImageBytes, type SeedAccount } from './support/offline-seed';
import { productUnderTest, waitForFinishedUploads, waitForServiceWorkerControl } from './support/product';

const TEST_TIMEOUT_MS = 120_000;
/** Upload speed for the interrupted upload: its 2 MB photo then takes about four seconds. */
const UPLOAD_BYTES_PER_SECOND = 500_000;

interface ImageState {
  id: string;
  filename: string;
  status: string;
}

/** Reads an image through the API as its owner, or null when it does not exist. */
async function imageById(appOrigin: string, account: SeedAccount, id: string): Promise<ImageState | null> {
  const data = await graphql<{ image: ImageState | null }>(
    appOrigin,
    'query ($id: ID!) { image(id: $id) { id filename status } }',
    { id },
    account.token,
  );
  return data.image;
}

/** Id of the image that the upload row links to once it is done. */
async function uploadedImageId(session: BrowserSession, filename: string): Promise<string> {
  const link = session.page.getByTestId('upload-item').filter({ hasText: filename }).getByRole('link', { name: 'View' });
  const href = (await link.getAttribute('href', { timeout: CONDITION_TIMEOUT_MS })) ?? '';
  return href.replace(/^\/images\//, '');
}

describe('upload queue across lost connections', () => {
  const product = productUnderTest();
  let session: BrowserSession;
  let account: SeedAccount;

  beforeAll(async () => {
    account = await createAccount(product.appOrigin, 'Grace');
    session = await launchBrowser();
    await signInInApp(session.page, product.appOrigin, account);
    await waitForServiceWorkerControl(session.page);
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await session?.close();
  });

  test(
    'file chosen offline waits in IndexedDB through a reload',
    async () => {
      const { page, context } = session;
      await page.goto(`${product.appOrigin}/upload`);
      await waitForServiceWorkerControl(page);
      const { bytes } = await seedImageBytes(2, 64, 48);

      await context.setOffline(true);
      await page.getByTestId('upload-offline-note').waitFor({ timeout: CONDITION_TIMEOUT_MS });
      await page.getByTestId('upload-input').setInputFiles({ name: 'chosen-offline.png', mimeType: 'image/png', buffer: bytes });

      const item = page.getByTestId('upload-item').filter({ hasText: 'chosen-offline.png' });
      await page.locator('[data-testid=upload-item][data-phase=offline]').waitFor({ timeout: CONDITION_TIMEOUT_MS });
      expect(await item.getByTestId('upload-status').textContent()).toContain('Waiting for a connection');
      expect(await readUploadQueue(page)).toEqual([
        expect.objectContaining({ name: 'chosen-offline.png', type: 'image/png', visibility: 'PRIVATE', grant: null, stored: false, failure: null }),
      ]);

      await reloadOffline(page);
      await page.locator('[data-testid=upload-item][data-phase=offline]').waitFor({ timeout: CONDITION_TIMEOUT_MS });
      expect(await page.getByTestId('upload-item').count()).toBe(1);
      expect(await item.getByTestId('upload-status').textContent()).toContain('Waiting for a connection');
      expect(await readUploadQueue(page)).toHaveLength(1);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'queued file uploads by itself when the network returns',
    async () => {
      const { page } = session;
      await goOnline(page);

      const [upload] = await waitForFinishedUploads(page, 1);
      expect(upload).toEqual(expect.objectContaining({ name: 'chosen-offline.png', phase: 'done', error: null }));
      expect(await readUploadQueue(page)).toEqual([]);

      const image = await imageById(product.appOrigin, account, await uploadedImageId(session, 'chosen-offline.png'));
      expect(image).toEqual(expect.objectContaining({ filename: 'chosen-offline.png', status: 'APPROVED' }));
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'upload cut off by a lost connection resumes with its grant',
    async () => {
      const { page, context } = session;
      const photo = await cameraJpeg(1600, 1200, 98);
      expect(photo.length).toBeGreaterThan(1_500_000);
      await throttleUploads(page, UPLOAD_BYTES_PER_SECOND);

      await page.getByTestId('upload-input').setInputFiles({ name: 'cut-off.jpg', mimeType: 'image/jpeg', buffer: photo });
      await page.waitForFunction(
        () => {
          const bar = (globalThis as unknown as { document: { querySelector(selector: string): { getAttribute(name: string): string | null } | null } })
            .document.querySelector('[data-testid=upload-item][data-phase=uploading] [data-testid=upload-progress]');
          return Number(bar?.getAttribute('value') ?? 0) > 0;
        },
        undefined,
        { timeout: CONDITION_TIMEOUT_MS },
      );
      const [saved] = await readUploadQueue(page);
      const grant = saved?.['grant'] as { image: { id: string } } | null;
      expect(grant).not.toBeNull();

      await context.setOffline(true);
      await page.locator('[data-testid=upload-item][data-phase=offline]').waitFor({ timeout: CONDITION_TIMEOUT_MS });
      // The file still waits with its grant. Chromium's emulation lets a started request finish,
      // so the bytes may have reached storage before the connection dropped. The confirm step
      // needs the network in either case.
      expect(await readUploadQueue(page)).toEqual([
        expect.objectContaining({ name: 'cut-off.jpg', grant: expect.objectContaining({ image: grant!.image }), failure: null }),
      ]);

      await goOnline(page);
      const uploads = await waitForFinishedUploads(page, 2);
      expect(uploads.find((upload) => upload.name === 'cut-off.jpg')).toEqual(expect.objectContaining({ phase: 'done', error: null }));
      // The grant was still valid, so the upload reused it instead of reserving quota again.
      expect(await uploadedImageId(session, 'cut-off.jpg')).toBe(grant!.image.id);
      expect(await readUploadQueue(page)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'saved grant that expired is replaced by a fresh one',
    async () => {
      const { page } = session;
      const { bytes, contentType } = await seedImageBytes(3, 50, 40);
      const filename = 'expired-grant.jpg';
      const stale = await requestGrant(product.appOrigin, account.token, { filename, contentType, byteSize: bytes.length });
      await addToUploadQueue(page, {
        id: randomUUID(),
        bytes: [...bytes],
        name: filename,
        type: contentType,
        visibility: 'PRIVATE',
        // The grant itself still works, but its recorded expiry has passed, as after a long wait offline.
        grant: { ...stale, expiresAt: new Date(Date.now() - 60_000).toISOString() },
        stored: false,
      });

      await page.reload();
      const uploads = await waitForFinishedUploads(page, 1);
      expect(uploads.find((upload) => upload.name === filename)).toEqual(expect.objectContaining({ phase: 'done', error: null }));

      const uploadedId = await uploadedImageId(session, filename);
      expect(uploadedId).not.toBe(stale.image.id);
      expect(await imageById(product.appOrigin, account, uploadedId)).toEqual(expect.objectContaining({ status: 'APPROVED' }));
      expect(await imageById(product.appOrigin, account, stale.image.id)).toEqual(expect.objectContaining({ status: 'PENDING_UPLOAD' }));
      expect(await readUploadQueue(page)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'saved grant that is still valid is reused',
    async () => {
      const { page } = session;
      const { bytes, contentType } = await seedImageBytes(4, 70, 50);
      const filename = 'valid-grant.png';
      const saved = await requestGrant(product.appOrigin, account.token, { filename, contentType, byteSize: bytes.length });
      await addToUploadQueue(page, {
        id: randomUUID(),
        bytes: [...bytes],
        name: filename,
        type: contentType,
        visibility: 'PRIVATE',
        grant: saved,
        stored: false,
      });

      await page.reload();
      const uploads = await waitForFinishedUploads(page, 1);
      expect(uploads.find((upload) => upload.name === filename)).toEqual(expect.objectContaining({ phase: 'done', error: null }));
      expect(await uploadedImageId(session, filename)).toBe(saved.image.id);
      expect(await imageById(product.appOrigin, account, saved.image.id)).toEqual(expect.objectContaining({ status: 'APPROVED' }));
      expect(await readUploadQueue(page)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});

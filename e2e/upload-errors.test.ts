import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page, Response } from 'playwright-core';
import { cameraJpeg, png } from '../api/test/support/fixtures';
import { launchBrowser, type BrowserSession } from './support/browser';
import { signUpInApp, waitForFinishedUploads, waitForServiceWorkerControl, type FinishedUpload } from './support/product';
import { startProductInstance, type ProductInstance } from './support/product-instance';

const MAX_BYTES = 200_000;
const GRANT_TTL_SECONDS = 3;
const QUOTA_BYTES = 100_000;
const RATE_LIMIT = 2;
const RATE_WINDOW_SECONDS = 86_400;

/**
 * Limits small enough to reach with a few small files. Every test signs up its own user, so the
 * per-user quota and rate limit of one test cannot spill into another. A day-long rate window
 * keeps a window boundary from falling between the grant requests of one test.
 */
const LIMITS = {
  UPLOAD_MAX_BYTES: String(MAX_BYTES),
  UPLOAD_GRANT_TTL_SECONDS: String(GRANT_TTL_SECONDS),
  QUOTA_BYTES: String(QUOTA_BYTES),
  UPLOAD_RATE_LIMIT: String(RATE_LIMIT),
  UPLOAD_RATE_WINDOW_SECONDS: String(RATE_WINDOW_SECONDS),
};

/**
 * Time to wait past the signature's expiry before a delayed PUT goes out. The API computes the
 * grant's `expiresAt` with milliseconds, but SigV4 signs whole seconds, so the signature can
 * expire up to one second before that `expiresAt`. Waiting past both lets the page's own clock
 * agree that the grant expired, and the slow-clock test covers the case where it does not.
 */
const PAST_EXPIRY_MS = 1_200;

interface StoragePut {
  key: string;
  status: number;
}

describe('upload errors in Chromium', () => {
  let product: ProductInstance;
  let session: BrowserSession;

  beforeAll(async () => {
    [product, session] = await Promise.all([startProductInstance(LIMITS), launchBrowser()]);
  });

  afterAll(async () => {
    await session?.close();
    await product?.stop();
  });

  /** Signs up a fresh user, so each test starts with an empty quota and rate limit, and opens the upload page. */
  async function openUploadPageAs(displayName: string, page: Page = session.page): Promise<Page> {
    if (!page.url().startsWith(product.appOrigin)) {
      await page.goto(product.appOrigin);
    }
    const signOut = page.getByTestId('sign-out');
    await signOut.or(page.getByRole('link', { name: 'Sign in' })).first().waitFor();
    if (await signOut.isVisible()) {
      await signOut.click();
      await signOut.waitFor({ state: 'detached' });
    }
    await signUpInApp(page, product.appOrigin, displayName);
    await page.goto(`${product.appOrigin}/upload`);
    await waitForServiceWorkerControl(page);
    return page;
  }

  function retryButtonsOf(page: Page, name: string): Promise<number> {
    return page.getByTestId('upload-item').filter({ hasText: name }).getByRole('button', { name: 'Retry' }).count();
  }

  async function statusTextOf(page: Page, name: string): Promise<string> {
    const row = page.getByTestId('upload-item').filter({ hasText: name });
    return ((await row.getByTestId('upload-status').textContent()) ?? '').trim();
  }

  test('too-large file names the limit', async () => {
    const page = await openUploadPageAs('Ada');
    const photo = await cameraJpeg(640, 480, 95);
    expect(photo.length).toBeGreaterThan(MAX_BYTES);

    await page.getByTestId('upload-input').setInputFiles([{ name: 'large-photo.jpg', mimeType: 'image/jpeg', buffer: photo }]);
    const [upload] = await waitForFinishedUploads(page, 1);
    // The page shows the limit, MAX_BYTES in binary units, before a file is chosen.
    expect((await page.getByTestId('upload-limits').textContent())?.trim()).toBe('JPEG, PNG, WebP, GIF or AVIF, up to 195 KiB each');

    // Rejected, not failed: the same file can never pass, so the item offers no retry.
    expect(upload.phase).toBe('rejected');
    expect(upload.error).toContain('The file is too large.');
    expect(upload.error).toContain(`The file has ${photo.length} bytes; the maximum is ${MAX_BYTES} bytes.`);
    expect(await statusTextOf(page, 'large-photo.jpg')).toBe(upload.error);
    expect(await retryButtonsOf(page, 'large-photo.jpg')).toBe(0);

    // Nor is it kept in the upload queue for the next visit.
    await page.reload();
    await page.getByTestId('upload-input').waitFor();
    expect(await page.getByTestId('upload-item').count()).toBe(0);
  });

  test('declared SVG is an unsupported type', async () => {
    const page = await openUploadPageAs('Brendan');
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');

    await page.getByTestId('upload-input').setInputFiles([{ name: 'drawing.svg', mimeType: 'image/svg+xml', buffer: svg }]);
    const [upload] = await waitForFinishedUploads(page, 1);

    expect(upload.phase).toBe('rejected');
    expect(upload.error).toContain('This file type is not supported. Use JPEG, PNG, WebP, GIF or AVIF.');
    expect(upload.error).toContain('The content type "image/svg+xml" is not accepted.');
    expect(await statusTextOf(page, 'drawing.svg')).toBe(upload.error);
    expect(await retryButtonsOf(page, 'drawing.svg')).toBe(0);
  });

  test('text file declared as PNG is rejected at confirm', async () => {
    const page = await openUploadPageAs('Chiara');
    const text = Buffer.from('Shopping list: bread, milk, eggs.\n'.repeat(20));

    await page.getByTestId('upload-input').setInputFiles([{ name: 'notes.png', mimeType: 'image/png', buffer: text }]);
    const [upload] = await waitForFinishedUploads(page, 1);

    // The grant accepts the declared type, so only the magic-number check at confirm can catch it.
    // Rejected, not failed: the same bytes can never pass, so the item offers no retry.
    expect(upload.phase).toBe('rejected');
    expect(upload.error).toContain('The image was rejected: The file was declared as image/png but its bytes are an unrecognised format.');
    expect(await statusTextOf(page, 'notes.png')).toBe(upload.error);
  });

  test('untyped PNG is sniffed and uploaded', async () => {
    const page = await openUploadPageAs('Dmitri');
    // Chromium types a picked file by its extension, so a file without one has an empty type.
    // A buffer payload would not do: Playwright gives it application/octet-stream instead.
    const directory = mkdtempSync(path.join(os.tmpdir(), 'sidestep-untyped-'));
    const filePath = path.join(directory, 'scan');
    writeFileSync(filePath, await png(40, 30));

    let upload: FinishedUpload;
    try {
      await page.getByTestId('upload-input').setInputFiles(filePath);
      [upload] = await waitForFinishedUploads(page, 1);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }

    expect(upload).toEqual(expect.objectContaining({ name: 'scan', phase: 'done', error: null }));
    expect(await statusTextOf(page, 'scan')).toBe('Done');
  });

  test('expired grant is renewed once', async () => {
    const page = await openUploadPageAs('Edsger');

    const { upload, puts, imageId } = await uploadWithFirstPutPastExpiry(page, 'late.png');

    expect(upload).toEqual(expect.objectContaining({ name: 'late.png', phase: 'done', error: null }));
    expect(await statusTextOf(page, 'late.png')).toBe('Done');
    // Storage rejected the expired grant, and the client asked for a new grant, with a new key.
    expect(puts).toHaveLength(2);
    expect(puts[0].status).toBe(403);
    expect(puts[1].status).toBe(200);
    expect(puts[0].key).not.toBe(puts[1].key);
    expect(imageId).toMatch(/^[\w-]+$/);
    expect(puts[1].key).toMatch(new RegExp(`/incoming/${imageId}$`));
  });

  test('expired grant renewed despite slow clock', async () => {
    // A device clock a minute slow still believes the grant is valid when storage rejects it,
    // so only storage's response can tell the client that the grant expired.
    const page = await session.context.newPage();
    try {
      await page.clock.install({ time: Date.now() - 60_000 });
      await openUploadPageAs('Fran', page);

      const { upload, puts } = await uploadWithFirstPutPastExpiry(page, 'slow-clock.png');

      expect(upload).toEqual(expect.objectContaining({ name: 'slow-clock.png', phase: 'done', error: null }));
      expect(puts.map((put) => put.status)).toEqual([403, 200]);
    } finally {
      await page.close();
    }
  });

  test('over-quota upload names free bytes', async () => {
    const page = await openUploadPageAs('Gwen');
    const [first, second] = [await cameraJpeg(300, 200, 95), await cameraJpeg(300, 200, 95)];
    expect(first.length).toBeLessThan(QUOTA_BYTES);
    expect(first.length + second.length).toBeGreaterThan(QUOTA_BYTES);

    await page.getByTestId('upload-input').setInputFiles([{ name: 'first.jpg', mimeType: 'image/jpeg', buffer: first }]);
    await waitForFinishedUploads(page, 1);
    await page.getByTestId('upload-input').setInputFiles([{ name: 'second.jpg', mimeType: 'image/jpeg', buffer: second }]);
    const uploads = await waitForFinishedUploads(page, 2);

    expect(uploads[0]).toEqual(expect.objectContaining({ name: 'first.jpg', phase: 'done', error: null }));
    const over = uploads[1];
    expect(over.name).toBe('second.jpg');
    expect(over.phase).toBe('failed');
    expect(over.error).toContain('Your storage quota is full.');
    expect(over.error).toContain(`it needs ${second.length} bytes and ${QUOTA_BYTES - first.length} of your ${QUOTA_BYTES} bytes are free`);
    expect(await statusTextOf(page, 'second.jpg')).toBe(over.error);
  });

  test('rate-limited grant says when to retry', async () => {
    const page = await openUploadPageAs('Hedy');
    const image = await png(32, 32);
    const names = ['one.png', 'two.png', 'three.png'];

    await page.getByTestId('upload-input').setInputFiles(names.map((name) => ({ name, mimeType: 'image/png', buffer: image })));
    const uploads = await waitForFinishedUploads(page, names.length);

    // The three grant requests run in parallel, so any one of them can be the one over the limit.
    const done = uploads.filter((upload) => upload.phase === 'done');
    const limited = uploads.filter((upload) => upload.phase === 'failed');
    expect(done).toHaveLength(RATE_LIMIT);
    expect(limited).toHaveLength(1);
    const [rejected] = limited as [FinishedUpload];
    expect(rejected.error).toContain('Too many requests. Wait a moment and try again.');
    expect(rejected.error).toMatch(new RegExp(`the limit is ${RATE_LIMIT} per ${RATE_WINDOW_SECONDS} s\\. Retry in \\d+ s\\.`));
    expect(await statusTextOf(page, rejected.name)).toBe(rejected.error);
  });

  /**
   * Uploads one small PNG and delays its first PUT until the grant's signature has expired, then
   * lets that PUT go to storage unchanged. Returns the finished row and the status of every PUT.
   */
  async function uploadWithFirstPutPastExpiry(
    page: Page,
    name: string,
  ): Promise<{ upload: FinishedUpload; puts: StoragePut[]; imageId: string | undefined }> {
    const puts: StoragePut[] = [];
    const recordPut = (response: Response) => {
      const request = response.request();
      if (request.method() === 'PUT' && request.url().startsWith(product.storageOrigin)) {
        puts.push({ key: new URL(request.url()).pathname, status: response.status() });
      }
    };
    page.on('response', recordPut);
    let firstPutSeen = false;
    const storageUrls = `${product.storageOrigin}/**`;
    await page.route(storageUrls, async (route) => {
      const request = route.request();
      if (request.method() === 'PUT' && !firstPutSeen) {
        firstPutSeen = true;
        const deadline = signatureExpiry(request.url()) + PAST_EXPIRY_MS;
        await waitUntil(() => Date.now() > deadline);
      }
      await route.continue();
    });

    try {
      await page.getByTestId('upload-input').setInputFiles([{ name, mimeType: 'image/png', buffer: await png(64, 48) }]);
      const [upload] = await waitForFinishedUploads(page, 1);
      const viewLink = page.getByTestId('upload-item').filter({ hasText: name }).getByRole('link', { name: 'View' });
      const imageId = (await viewLink.count()) > 0 ? (await viewLink.getAttribute('href'))?.split('/').pop() : undefined;
      return { upload, puts, imageId };
    } finally {
      await page.unroute(storageUrls);
      page.off('response', recordPut);
    }
  }
});

/** Reads when a presigned SigV4 URL stops being valid, from its X-Amz-Date and X-Amz-Expires. */
function signatureExpiry(presignedUrl: string): number {
  const query = new URL(presignedUrl).searchParams;
  const signedAt = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(query.get('X-Amz-Date') ?? '');
  const expiresInSeconds = Number(query.get('X-Amz-Expires'));
  if (!signedAt || !Number.isInteger(expiresInSeconds)) {
    throw new Error(`The storage URL ${new URL(presignedUrl).pathname} carries no X-Amz-Date and X-Amz-Expires.`);
  }
  const [, year, month, day, hour, minute, second] = signedAt.map(Number);
  return Date.UTC(year, month - 1, day, hour, minute, second) + expiresInSeconds * 1000;
}

async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

import { existsSync, readFileSync } from 'node:fs';
import type { Request } from 'playwright-core';
import { cameraJpeg } from '../api/test/support/fixtures';
import { launchBrowser, throttleUploads, type BrowserSession } from './support/browser';
import { productUnderTest, signUpInApp, waitForFinishedUploads, waitForServiceWorkerControl } from './support/product';

/** Upload speed while the photo goes to storage: 5 MB then takes about three seconds. */
const UPLOAD_BYTES_PER_SECOND = 2_000_000;
/** Largest request body that the API's origin may receive while a photo uploads. */
const MAX_API_REQUEST_BODY_BYTES = 4 * 1024;
/** Largest amount that the API process may read from all its files and sockets while a 5 MB photo uploads. */
const MAX_API_PROCESS_READ_BYTES = 1024 * 1024;

/**
 * Bytes that a process has read through read(2) and its variants, from files and sockets alike:
 * `rchar` in Linux's /proc/<pid>/io. Every byte of an HTTP request body that reaches the API is in it.
 */
function bytesReadByProcess(pid: number): number {
  const match = /^rchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
  if (!match) throw new Error(`/proc/${pid}/io has no rchar line.`);
  return Number(match[1]);
}

/** Body size of a request, from the body that Playwright saw or else the Content-Length that the browser sent. */
async function requestBodyBytes(request: Request): Promise<number> {
  const contentLength = Number((await request.allHeaders())['content-length'] ?? 0);
  return Math.max(request.postDataBuffer()?.length ?? 0, contentLength);
}

/** Sends a GraphQL request with a padded body of `bodyBytes` to the API, as a probe of the read counter. */
async function postPaddedQuery(appOrigin: string, bodyBytes: number): Promise<void> {
  const envelope = JSON.stringify({ query: '{ __typename }', variables: { padding: '' } });
  const body = envelope.replace('"padding":""', `"padding":"${'x'.repeat(bodyBytes - envelope.length)}"`);
  const response = await fetch(`${appOrigin}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect(response.status).toBe(200);
}

describe('API and the image bytes', () => {
  const product = productUnderTest();
  let session: BrowserSession;

  beforeAll(async () => {
    session = await launchBrowser();
  });

  afterAll(async () => {
    await session?.close();
  });

  test('5 MB photo goes to storage, not to the API', async () => {
    // NOTE: the server-side half of this test needs Linux's /proc/<pid>/io.
    expect(existsSync(`/proc/${product.pid}/io`)).toBe(true);
    const { page, context } = session;
    const photo = await cameraJpeg(3200, 2400, 95);
    expect(photo.length).toBeGreaterThan(5_000_000);

    await signUpInApp(page, product.appOrigin, 'Linus');
    await waitForServiceWorkerControl(page);
    await page.goto(`${product.appOrigin}/upload`);
    await waitForServiceWorkerControl(page);
    await throttleUploads(page, UPLOAD_BYTES_PER_SECOND);

    // The read counter must see request bodies, or a small reading below would prove nothing.
    const probeStart = bytesReadByProcess(product.pid);
    await postPaddedQuery(product.appOrigin, 48 * 1024);
    expect(bytesReadByProcess(product.pid) - probeStart).toBeGreaterThanOrEqual(48 * 1024);

    // The context also reports the requests that the service worker makes for the page.
    const requests: Request[] = [];
    context.on('request', (request) => requests.push(request));
    const readStart = bytesReadByProcess(product.pid);
    await page.getByTestId('upload-input').setInputFiles({ name: 'five-megabytes.jpg', mimeType: 'image/jpeg', buffer: photo });
    const [upload] = await waitForFinishedUploads(page, 1);
    const apiBytesRead = bytesReadByProcess(product.pid) - readStart;
    context.removeAllListeners('request');

    expect(upload).toEqual(expect.objectContaining({ phase: 'done', error: null }));
    expect(apiBytesRead).toBeLessThan(MAX_API_PROCESS_READ_BYTES);

    const origins = new Set(requests.map((request) => new URL(request.url()).origin));
    expect([...origins].sort()).toEqual([product.appOrigin, product.storageOrigin].sort());

    const apiRequests = requests.filter((request) => new URL(request.url()).origin === product.appOrigin);
    // At least requestUpload and confirmUpload, each seen from the page and from the service worker.
    expect(apiRequests.length).toBeGreaterThanOrEqual(2);
    for (const request of apiRequests) {
      expect(`${request.method()} ${new URL(request.url()).pathname}`).toBe('POST /graphql');
      expect(await requestBodyBytes(request)).toBeLessThan(MAX_API_REQUEST_BODY_BYTES);
    }

    const storageRequests = requests.filter((request) => new URL(request.url()).origin === product.storageOrigin);
    expect(storageRequests.map((request) => request.method())).toEqual(['PUT']);
    const [put] = storageRequests;
    expect(new URL(put.url()).pathname).toMatch(/\/incoming\/[\w-]+$/);
    expect(await requestBodyBytes(put)).toBe(photo.length);
    expect((await put.allHeaders())['ngsw-bypass']).toBe('true');
    const putResponse = await put.response();
    expect(putResponse?.status()).toBe(200);
    // The page sent the PUT itself, and the service worker neither responded to it nor sent it again.
    expect(putResponse?.fromServiceWorker()).toBe(false);
    expect(put.serviceWorker()).toBeNull();
  });
});

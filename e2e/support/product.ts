import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import type { PageElement, PageGlobals } from './page-globals';

/** Reads where the global set-up started the product from the E2E_* variables that it exported. */
export function productUnderTest(): { appOrigin: string; storageOrigin: string; pid: number; logFile: string } {
  const { E2E_APP_ORIGIN, E2E_STORAGE_ORIGIN, E2E_PRODUCT_PID, E2E_PRODUCT_LOG } = process.env;
  if (!E2E_APP_ORIGIN || !E2E_STORAGE_ORIGIN || !E2E_PRODUCT_PID || !E2E_PRODUCT_LOG) {
    throw new Error('The product is not running. Run the browser tests with `npm run test:e2e`.');
  }
  return {
    appOrigin: E2E_APP_ORIGIN,
    storageOrigin: E2E_STORAGE_ORIGIN,
    pid: Number(E2E_PRODUCT_PID),
    logFile: E2E_PRODUCT_LOG,
  };
}

/** Signs up a new account through the app's form and waits for the gallery that follows. */
export async function signUpInApp(page: Page, appOrigin: string, displayName: string): Promise<{ email: string }> {
  const email = `${displayName.toLowerCase()}-${randomBytes(4).toString('hex')}@example.test`;
  await page.goto(`${appOrigin}/sign-up`);
  await page.locator('input[name=displayName]').fill(displayName);
  await page.locator('input[name=email]').fill(email);
  await page.locator('input[name=password]').fill('correct horse battery staple');
  await page.getByTestId('sign-up-submit').click();
  await page.waitForURL(`${appOrigin}/gallery`);
  await page.getByTestId('viewer-name').filter({ hasText: displayName }).waitFor();
  return { email };
}

/**
 * Waits until Angular's service worker is active and controls the page. A page loaded before
 * the worker's first activation stays uncontrolled, so it is reloaded once when needed.
 */
export async function waitForServiceWorkerControl(page: Page): Promise<void> {
  await page.evaluate(() => (globalThis as unknown as PageGlobals).navigator.serviceWorker.ready.then(() => undefined));
  const controlled = await page.evaluate(() => (globalThis as unknown as PageGlobals).navigator.serviceWorker.controller !== null);
  if (!controlled) {
    await page.reload();
  }
  await page.waitForFunction(
    () => (globalThis as unknown as PageGlobals).navigator.serviceWorker.controller?.state === 'activated',
  );
}

export interface FinishedUpload {
  name: string;
  phase: string;
  error: string | null;
  progressEvents: number;
}

/** Waits until `count` rows of the upload list have left the waiting, uploading and confirming phases. */
export async function waitForFinishedUploads(page: Page, count: number): Promise<FinishedUpload[]> {
  await page.waitForFunction(
    (expected) =>
      (globalThis as unknown as PageGlobals).document.querySelectorAll(
        '[data-testid=upload-item]:is([data-phase=done], [data-phase=rejected], [data-phase=failed], [data-phase=canceled])',
      ).length >= expected,
    count,
  );
  return page.getByTestId('upload-item').evaluateAll((items: PageElement[]) =>
    items.map((item) => ({
      name: item.querySelector('.upload-item__name')?.textContent?.trim() ?? '',
      phase: item.getAttribute('data-phase') ?? '',
      error: item.querySelector('[data-testid=upload-error]')?.textContent?.trim() ?? null,
      progressEvents: Number(item.querySelector('[data-testid=upload-progress]')?.getAttribute('data-progress-events')),
    })),
  );
}

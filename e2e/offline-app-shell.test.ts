import sharp from 'sharp';

import { launchBrowser, type BrowserSession } from './support/browser';
import { CONDITION_TIMEOUT_MS, signInInApp } from './support/offline-browser';
import { createAccount } from './support/offline-seed';
import { productUnderTest, waitForServiceWorkerControl } from './support/product';

const TEST_TIMEOUT_MS = 120_000;
/**
 * Maximum wait for the worker's own update check. @angular/service-worker 21.2 runs it when
 * the page has made no request for 5 s after a navigation, and at the latest after 30 s.
 */
const UPDATE_CHECK_TIMEOUT_MS = 60_000;

interface WebManifest {
  id: string;
  name: string;
  short_name: string;
  description: string;
  start_url: string;
  scope: string;
  display: string;
  categories: string[];
  icons: { src: string; sizes: string; type: string; purpose: string }[];
}

describe('installable app and its updates', () => {
  const product = productUnderTest();
  let session: BrowserSession;

  beforeAll(async () => {
    session = await launchBrowser();
    await signInInApp(session.page, product.appOrigin, await createAccount(product.appOrigin, 'Hedy'));
    await waitForServiceWorkerControl(session.page);
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await session?.close();
  });

  test('manifest describes the app and its icons exist', async () => {
    const response = await fetch(`${product.appOrigin}/manifest.webmanifest`);
    expect(response.status).toBe(200);
    const manifest = (await response.json()) as WebManifest;

    expect(manifest).toEqual(
      expect.objectContaining({ id: '/', start_url: '/', scope: '/', display: 'standalone', name: 'Sidestep', short_name: 'Sidestep' }),
    );
    expect(manifest.description.length).toBeGreaterThan(10);
    expect(manifest.categories).toContain('photo');
    expect(manifest.icons.map((icon) => icon.purpose).sort()).toEqual(['any', 'any', 'maskable']);

    for (const icon of manifest.icons) {
      const image = await fetch(new URL(icon.src, `${product.appOrigin}/`));
      expect(image.headers.get('content-type')).toBe(icon.type);
      const { width, height } = await sharp(Buffer.from(await image.arrayBuffer())).metadata();
      expect(`${width}x${height}`).toBe(icon.sizes);
    }
  });

  test(
    'Chromium finds the app installable and the header offers it',
    async () => {
      const { page, context } = session;
      const cdp = await context.newCDPSession(page);
      const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
      await cdp.detach();
      expect(installabilityErrors).toEqual([]);

      // Chromium fires beforeinstallprompt for an installable app, and the app turns it into a button.
      const install = page.getByTestId('install-app');
      await install.waitFor({ timeout: CONDITION_TIMEOUT_MS });
      await install.click();
      // A prompt can be shown once. Headless Chromium dismisses it, and the button goes away either way.
      await install.waitFor({ state: 'detached', timeout: CONDITION_TIMEOUT_MS });
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'new deployment shows the update prompt',
    async () => {
      const { page, context } = session;
      // The worker fetches ngsw.json to look for a new version. A manifest with other content
      // is a new version, whose files the worker takes from the current version's cache.
      await context.route(
        (url) => url.pathname === '/ngsw.json',
        async (route) => {
          const response = await route.fetch();
          const manifest = (await response.json()) as { appData?: Record<string, unknown>; timestamp: number };
          await route.fulfill({ response, json: { ...manifest, appData: { deployment: 'next' }, timestamp: manifest.timestamp + 1 } });
        },
      );
      try {
        await page.reload();
        const reload = page.getByTestId('notice-reload');
        await reload.waitFor({ timeout: UPDATE_CHECK_TIMEOUT_MS });
        expect(await page.getByTestId('notice').textContent()).toContain('A new version of Sidestep is ready');

        await reload.click();
        await page.waitForLoadState('load');
        await page.getByTestId('viewer-name').waitFor({ timeout: CONDITION_TIMEOUT_MS });
        expect(await page.getByTestId('notice-reload').count()).toBe(0);
      } finally {
        await context.unrouteAll();
      }
    },
    TEST_TIMEOUT_MS,
  );
});

import { startProductServer, type ProductServer } from './product-server';

/**
 * Starts the built product once for the whole browser run. It builds nothing: `npm run build`
 * must have run. The test workers find the product through E2E_* environment variables.
 */
export default async function globalSetup(): Promise<void> {
  const { server } = await startProductServer();
  process.env.E2E_APP_ORIGIN = server.appOrigin;
  process.env.E2E_STORAGE_ORIGIN = server.storageOrigin;
  process.env.E2E_PRODUCT_PID = String(server.pid);
  process.env.E2E_PRODUCT_LOG = server.logFile;
  (globalThis as { sidestepProduct?: ProductServer }).sidestepProduct = server;
}

import { rmSync } from 'node:fs';
import { startProductServer, stopProductServer, type ProductServer } from './product-server';

/** A product that one test file starts for itself, with settings that the shared product lacks. */
export interface ProductInstance {
  appOrigin: string;
  storageOrigin: string;
  logFile: string;
  /** Stops the product and removes its data, unless E2E_KEEP_DATA is 1. */
  stop(): Promise<void>;
}

/**
 * Starts a dedicated product with extra environment variables, for tests that need limits
 * such as a small UPLOAD_MAX_BYTES or a short UPLOAD_GRANT_TTL_SECONDS. The product that the
 * global set-up shares between files keeps its defaults. Call `stop()` in `afterAll`.
 */
export async function startProductInstance(settings: Readonly<Record<string, string>>): Promise<ProductInstance> {
  const { server } = await startProductServer(settings);
  return {
    appOrigin: server.appOrigin,
    storageOrigin: server.storageOrigin,
    logFile: server.logFile,
    stop: () => stopAndClean(server),
  };
}

async function stopAndClean(server: ProductServer): Promise<void> {
  await stopProductServer(server);
  if (process.env.E2E_KEEP_DATA === '1') {
    process.stdout.write(`\nKept the dedicated product's data and log in ${server.dataDir}.\n`);
  } else {
    rmSync(server.dataDir, { recursive: true, force: true });
  }
}

import { rmSync } from 'node:fs';
import { stopProductServer, type ProductServer } from './product-server';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { sidestepProduct?: ProductServer }).sidestepProduct;
  if (!server) return;
  await stopProductServer(server);
  if (process.env.E2E_KEEP_DATA === '1') {
    process.stdout.write(`\nKept the product's data and log in ${server.dataDir}.\n`);
  } else {
    rmSync(server.dataDir, { recursive: true, force: true });
  }
}

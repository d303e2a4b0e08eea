import { chmodSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../src/embedded/embedded-postgres';
import { startEmbeddedS3 } from '../../src/embedded/embedded-s3';
import { createLogger } from '../../src/logging/logger';

/** Asks the kernel for a free loopback port. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts one real PostgreSQL server and one S3 server for the whole run. Each
 * test file then makes its own database and bucket, so files run in parallel
 * without sharing state.
 */
export default async function globalSetup(): Promise<void> {
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'warn');
  const root = mkdtempSync(path.join(os.tmpdir(), 'sidestep-test-'));
  // PostgreSQL runs as the "postgres" system user when tests run as root; it must reach its directory.
  chmodSync(root, 0o755);
  const postgres = await startEmbeddedPostgres(path.join(root, 'postgres'), await freePort(), logger);
  const s3 = await startEmbeddedS3(path.join(root, 's3'), 0, logger);

  process.env.TEST_POSTGRES_ADMIN_URL = postgres.adminUrl;
  process.env.TEST_S3_ENDPOINT = s3.endpoint;
  process.env.TEST_DATA_ROOT = root;
  (globalThis as { sidestepTestServices?: unknown }).sidestepTestServices = { postgres, s3, root };
}

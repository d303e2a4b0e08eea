import { randomBytes } from 'node:crypto';
import { startSidestep, type Sidestep } from '../../src/bootstrap';
import { loadConfig } from '../../src/config/config';
import { ensureDatabase } from '../../src/db/ensure-database';
import { createLogger } from '../../src/logging/logger';

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: Record<string, any>; path?: (string | number)[] }[];
}

export interface TestApi {
  sidestep: Sidestep;
  url: string;
  /** Sends one GraphQL operation over HTTP, as a third party would. */
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

/**
 * Starts the real API on a loopback port with a database and bucket of its
 * own, on the PostgreSQL and S3 servers that the global set-up started.
 */
export async function startTestApi(env: Record<string, string> = {}): Promise<TestApi> {
  const adminUrl = process.env.TEST_POSTGRES_ADMIN_URL;
  const s3Endpoint = process.env.TEST_S3_ENDPOINT;
  if (!adminUrl || !s3Endpoint) throw new Error('The test services are not running; run the tests through jest with its global set-up.');

  const suffix = randomBytes(5).toString('hex');
  const database = `test_${suffix}`;
  await ensureDatabase(adminUrl, database);
  const config = loadConfig({
    PORT: '0',
    DATABASE_URL: adminUrl.replace(/\/postgres$/, `/${database}`),
    S3_ENDPOINT: s3Endpoint,
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
    S3_BUCKET: `test-${suffix}`,
    APP_ORIGIN: 'http://localhost:4000',
    S3_KEEP_PREFIX_MARKERS: 'true',
    CLIENT_DIR: '/nonexistent',
    ...env,
  });
  const sidestep = await startSidestep(config, createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'));
  const url = `http://127.0.0.1:${sidestep.config.port}`;

  return {
    sidestep,
    url,
    async gql(query, variables, token) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...((await response.json()) as object) };
    },
    stop: () => sidestep.stop(),
  };
}

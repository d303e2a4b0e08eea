import path from 'node:path';
import { validate as isValidCronExpression } from 'node-cron';

/**
 * Runtime configuration, read once from environment variables at start-up.
 * Every variable is optional for `npm start`; a malformed value is a start-up
 * error, never silently replaced by its default. Nothing else reads `process.env`.
 */
export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly logLevel: string;
  /** Origins allowed to call `/graphql` from a browser and to PUT into the bucket. */
  readonly appOrigins: readonly string[];
  /** Directory holding the built PWA; served when it exists. */
  readonly clientDir: string;

  /** Unset: start embedded PostgreSQL under `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly embeddedPostgresPort: number;

  readonly s3: S3Config;
  /** True when `S3_ENDPOINT` is unset and the embedded S3 server runs. */
  readonly embeddedS3: boolean;
  readonly embeddedS3Port: number;

  readonly upload: UploadConfig;
  readonly quota: QuotaConfig;
  readonly view: ViewConfig;
  readonly moderation: ModerationConfig;
  readonly query: QueryLimitsConfig;
  readonly tokens: TokenLimitsConfig;
  readonly jobs: JobsConfig;
  readonly cleanup: CleanupConfig;
  readonly sessionTtlSeconds: number;
  /** How long a process keeps the viewer of a bearer token it has looked up; 0 turns the cache off. */
  readonly viewerCacheSeconds: number;

  readonly admin: { readonly email: string; readonly password: string } | undefined;

  /**
   * `BENCH_PROXY_ROUTE` (default false) mounts `PUT /bench/proxy-upload`, a
   * route that streams an upload through the API to storage: the proxy design
   * the benchmarks compare Sidestep against. Leave it off in production.
   */
  readonly benchProxyRoute: boolean;
}

export interface S3Config {
  /** Endpoint the API talks to, for example `http://minio:9000` inside Docker. */
  readonly endpoint: string | undefined;
  /** Endpoint that browsers reach; grants and view URLs are signed for its host. */
  readonly publicEndpoint: string | undefined;
  readonly region: string;
  readonly bucket: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly forcePathStyle: boolean;
  /**
   * Keep a marker object under `incoming/` and `images/`. The embedded S3
   * server (s3rver 4.0.4) stores each key prefix as a directory and removes it
   * when its last object is deleted. A PUT into that prefix at the same moment
   * is lost, so the markers keep the directories from ever being empty.
   */
  readonly keepPrefixMarkers: boolean;
  /**
   * `S3_REQUEST_TIMEOUT_MS` (default 30000): how long a storage request may
   * wait for a response, or for more of its body, before it fails. Confirm
   * and the cleanup jobs hold row locks during their storage requests.
   */
  readonly requestTimeoutMs: number;
}

export interface UploadConfig {
  readonly maxBytes: number;
  readonly allowedTypes: readonly string[];
  readonly grantTtlSeconds: number;
  readonly maxPixels: number;
  readonly filenameMaxLength: number;
  readonly processingTtlSeconds: number;
  /** Grant requests each user may make per rate window. */
  readonly rateLimit: number;
  readonly rateWindowSeconds: number;
}

export interface QuotaConfig {
  /** Default stored-bytes limit of a new user, open grants included. */
  readonly bytes: number;
  /** Default image-count limit of a new user, open grants included. */
  readonly images: number;
}

export interface ViewConfig {
  /** Minimum time a view URL stays valid after it is handed out. */
  readonly ttlSeconds: number;
  /** Signing times are rounded down to this window so URLs repeat byte for byte. */
  readonly windowSeconds: number;
}

export interface ModerationConfig {
  /**
   * Name of the classifier that runs after each confirmed public upload. The
   * default, `builtin`, relies on the checks confirm already ran and sends
   * every image to a moderator.
   */
  readonly classifier: string;
  /** How long confirm waits for the classifier before leaving the image to a moderator. */
  readonly classifierTimeoutMs: number;
  /** How long a claimed image stays reserved for one moderator. */
  readonly leaseSeconds: number;
}

export interface JobsConfig {
  /** Whether this process runs the schedules. Admins and `npm run jobs:run` can start a job either way. */
  readonly enabled: boolean;
  /** IANA time zone in which the cron expressions are read. */
  readonly timezone: string;
  /** Cron expression of each job, in node-cron syntax with an optional leading seconds field. */
  readonly schedules: JobSchedules;
  /** Days a job run's record is kept before the runner prunes it. */
  readonly runRetentionDays: number;
}

export interface JobSchedules {
  readonly expireGrants: string;
  readonly expireProcessing: string;
  readonly purgeRejected: string;
  readonly reconcileStorage: string;
}

export interface CleanupConfig {
  /** Seconds past a grant's expiry before the job expires it, so an upload that ends at the deadline can still be confirmed. */
  readonly grantMarginSeconds: number;
  /** Seconds a REJECTED image keeps its object after its last change, counted from `updated_at`. */
  readonly rejectedRetentionSeconds: number;
  /**
   * Minimum age of an object that no row claims before the reconcile pass deletes it,
   * and the age a confirmed row needs before its missing object is reported.
   */
  readonly orphanGraceSeconds: number;
  /** Rows changed in one transaction, together with one delete request for their objects. */
  readonly batchSize: number;
  /** Rows one run of a job changes at most; the next run continues. */
  readonly maxRowsPerRun: number;
}

/** Limits every GraphQL operation must meet before it runs. */
export interface QueryLimitsConfig {
  /** Maximum field nesting depth. The standard introspection query of graphql-js 16 needs 15. */
  readonly maxDepth: number;
  /** Maximum cost: 1 per field, 10 per view URL field, connection selections times their page size. */
  readonly maxCost: number;
  /** Maximum number of aliased fields, which stops one request from repeating a field many times. */
  readonly maxAliases: number;
}

/** Limits of requests authenticated with API tokens. Sessions are not subject to them. */
export interface TokenLimitsConfig {
  /** Operations one token may send per rate window. */
  readonly rateLimit: number;
  /** Operations all API tokens of one user may send together per rate window. */
  readonly userRateLimit: number;
  readonly rateWindowSeconds: number;
  /** Upload grants one token may request per upload rate window, within the user's own grant limit. */
  readonly grantRateLimit: number;
  /** View URLs one token may be handed per view URL budget window. */
  readonly viewUrlBudget: number;
  readonly viewUrlWindowSeconds: number;
  /** Maximum number of tokens of one user that are neither revoked nor expired. */
  readonly maxActivePerUser: number;
}

/** SigV4 presigned URLs cannot live longer than 7 days. */
export const SIGV4_MAX_EXPIRY_SECONDS = 7 * 24 * 3600;

export const DEFAULT_ALLOWED_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif'];

/** Content types that can carry script and are never accepted, whatever the allowlist contains. */
const NEVER_ALLOWED_TYPES = new Set(['image/svg+xml', 'text/html', 'application/xhtml+xml', 'text/xml', 'application/xml']);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Collects every problem before failing, so an operator fixes them in one pass. */
class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  string(name: string, fallback: string): string;
  string(name: string): string | undefined;
  string(name: string, fallback?: string): string | undefined {
    const value = this.env[name];
    if (value === undefined || value === '') return fallback;
    return value;
  }

  integer(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d+$/.test(raw.trim())) {
      this.problems.push(`${name}="${raw}" is not a whole number; set it to an integer between ${min} and ${max}.`);
      return fallback;
    }
    const value = Number(raw.trim());
    if (value < min || value > max) {
      this.problems.push(`${name}=${value} is out of range; set it between ${min} and ${max}.`);
      return fallback;
    }
    return value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
    this.problems.push(`${name}="${raw}" is not a boolean; use true or false.`);
    return fallback;
  }

  url(name: string, fallback?: string): string | undefined {
    const value = this.string(name) ?? fallback;
    if (value === undefined) return undefined;
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('protocol');
    } catch {
      this.problems.push(`${name}="${value}" is not an http(s) URL; use a form like http://127.0.0.1:9000.`);
    }
    return value.replace(/\/+$/, '');
  }

  /** A node-cron expression: five fields, or six with a leading seconds field. */
  cron(name: string, fallback: string): string {
    const value = this.string(name, fallback).trim();
    if (!isValidCronExpression(value)) {
      this.problems.push(`${name}="${value}" is not a valid cron expression; use five fields like "*/5 * * * *", or six with seconds first.`);
    }
    return value;
  }

  list(name: string, fallback: readonly string[]): string[] {
    const raw = this.string(name);
    if (raw === undefined) return [...fallback];
    return raw.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
  }
}

export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const read = new EnvReader(env);

  const port = read.integer('PORT', 4000, 0, 65535);
  const host = read.string('HOST', '127.0.0.1');
  const dataDir = path.resolve(cwd, read.string('DATA_DIR', '.data'));
  const defaultOrigins = [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
  const appOrigins = read.list('APP_ORIGIN', defaultOrigins);
  for (const origin of appOrigins) {
    if (!/^https?:\/\/[^/]+$/.test(origin)) {
      read.problems.push(`APP_ORIGIN entry "${origin}" is not an origin; use scheme://host[:port] with no path.`);
    }
  }

  const embeddedS3Port = read.integer('EMBEDDED_S3_PORT', 4569, 0, 65535);
  const endpoint = read.url('S3_ENDPOINT');
  const embeddedS3 = endpoint === undefined;
  const s3: S3Config = {
    endpoint,
    publicEndpoint: read.url('S3_PUBLIC_ENDPOINT', endpoint),
    region: read.string('S3_REGION', 'us-east-1'),
    bucket: read.string('S3_BUCKET', 'sidestep'),
    // The embedded S3 server accepts only these fixed credentials.
    accessKeyId: embeddedS3 ? 'S3RVER' : (read.string('S3_ACCESS_KEY_ID') ?? ''),
    secretAccessKey: embeddedS3 ? 'S3RVER' : (read.string('S3_SECRET_ACCESS_KEY') ?? ''),
    forcePathStyle: read.boolean('S3_FORCE_PATH_STYLE', embeddedS3 || endpoint !== undefined),
    keepPrefixMarkers: read.boolean('S3_KEEP_PREFIX_MARKERS', embeddedS3),
    requestTimeoutMs: read.integer('S3_REQUEST_TIMEOUT_MS', 30_000, 100, 600_000),
  };
  if (!embeddedS3 && (!s3.accessKeyId || !s3.secretAccessKey)) {
    read.problems.push('S3_ENDPOINT is set, so S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set too.');
  }
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s3.bucket)) {
    read.problems.push(`S3_BUCKET="${s3.bucket}" is not a valid bucket name; use 3-63 lowercase letters, digits, dots and hyphens.`);
  }

  const allowedTypes = read.list('UPLOAD_ALLOWED_TYPES', DEFAULT_ALLOWED_TYPES).map((type) => type.toLowerCase());
  for (const type of allowedTypes) {
    if (NEVER_ALLOWED_TYPES.has(type)) {
      read.problems.push(`UPLOAD_ALLOWED_TYPES contains "${type}", which can carry script; remove it.`);
    } else if (!DEFAULT_ALLOWED_TYPES.includes(type)) {
      read.problems.push(`UPLOAD_ALLOWED_TYPES contains "${type}", which Sidestep cannot verify; use only ${DEFAULT_ALLOWED_TYPES.join(', ')}.`);
    }
  }

  const upload: UploadConfig = {
    // GraphQL Int carries byteSize, so a file can have at most 2^31 - 1 bytes (2 GiB less 1 byte).
    maxBytes: read.integer('UPLOAD_MAX_BYTES', 25 * 1024 * 1024, 1, 2 ** 31 - 1),
    allowedTypes,
    grantTtlSeconds: read.integer('UPLOAD_GRANT_TTL_SECONDS', 300, 1, SIGV4_MAX_EXPIRY_SECONDS),
    maxPixels: read.integer('UPLOAD_MAX_PIXELS', 100_000_000, 1),
    filenameMaxLength: read.integer('UPLOAD_FILENAME_MAX_LENGTH', 255, 1, 4096),
    processingTtlSeconds: read.integer('PROCESSING_TTL_SECONDS', 24 * 3600, 60),
    rateLimit: read.integer('UPLOAD_RATE_LIMIT', 60, 1),
    rateWindowSeconds: read.integer('UPLOAD_RATE_WINDOW_SECONDS', 60, 1, 24 * 3600),
  };

  const view: ViewConfig = {
    ttlSeconds: read.integer('VIEW_URL_TTL_SECONDS', 3600, 60, SIGV4_MAX_EXPIRY_SECONDS),
    windowSeconds: read.integer('VIEW_URL_WINDOW_SECONDS', 900, 1, SIGV4_MAX_EXPIRY_SECONDS),
  };
  if (view.ttlSeconds + view.windowSeconds > SIGV4_MAX_EXPIRY_SECONDS) {
    read.problems.push(
      `VIEW_URL_TTL_SECONDS + VIEW_URL_WINDOW_SECONDS = ${view.ttlSeconds + view.windowSeconds} exceeds the SigV4 maximum of ${SIGV4_MAX_EXPIRY_SECONDS} seconds; lower one of them.`,
    );
  }

  const quota: QuotaConfig = {
    bytes: read.integer('QUOTA_BYTES', 1024 ** 3, 0),
    images: read.integer('QUOTA_IMAGES', 1000, 0),
  };

  const moderation: ModerationConfig = {
    classifier: read.string('MODERATION_CLASSIFIER', 'builtin'),
    classifierTimeoutMs: read.integer('MODERATION_CLASSIFIER_TIMEOUT_MS', 5000, 1, 600_000),
    leaseSeconds: read.integer('MODERATION_LEASE_SECONDS', 600, 1, 24 * 3600),
  };
  if (!/^[a-z][a-z0-9-]{0,63}$/.test(moderation.classifier)) {
    read.problems.push(
      `MODERATION_CLASSIFIER="${moderation.classifier}" is not a classifier name; use lowercase letters, digits and hyphens, for example builtin.`,
    );
  }

  const jobs: JobsConfig = {
    enabled: read.boolean('JOBS_ENABLED', true),
    timezone: read.string('JOBS_TIMEZONE', 'UTC'),
    schedules: {
      // Every minute: open grants are short-lived, so their reservations should come back soon.
      expireGrants: read.cron('CLEANUP_EXPIRE_GRANTS_SCHEDULE', '* * * * *'),
      expireProcessing: read.cron('CLEANUP_EXPIRE_PROCESSING_SCHEDULE', '*/5 * * * *'),
      purgeRejected: read.cron('CLEANUP_PURGE_REJECTED_SCHEDULE', '17 * * * *'),
      // Once a day: it lists the whole bucket.
      reconcileStorage: read.cron('CLEANUP_RECONCILE_STORAGE_SCHEDULE', '41 3 * * *'),
    },
    runRetentionDays: read.integer('JOB_RUN_RETENTION_DAYS', 30, 1, 3650),
  };
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: jobs.timezone });
  } catch {
    read.problems.push(`JOBS_TIMEZONE="${jobs.timezone}" is not an IANA time zone; use a name like UTC or Europe/Berlin.`);
  }

  const cleanup: CleanupConfig = {
    grantMarginSeconds: read.integer('CLEANUP_GRANT_MARGIN_SECONDS', 900, 0, 7 * 24 * 3600),
    rejectedRetentionSeconds: read.integer('CLEANUP_REJECTED_RETENTION_SECONDS', 30 * 24 * 3600, 0),
    orphanGraceSeconds: read.integer('CLEANUP_ORPHAN_GRACE_SECONDS', 3600, 0),
    // 1000 is the most keys one S3 DeleteObjects request takes.
    batchSize: read.integer('CLEANUP_BATCH_SIZE', 200, 1, 1000),
    maxRowsPerRun: read.integer('CLEANUP_MAX_ROWS_PER_RUN', 2000, 1),
  };

  const query: QueryLimitsConfig = {
    maxDepth: read.integer('QUERY_MAX_DEPTH', 15, 1, 100),
    maxCost: read.integer('QUERY_MAX_COST', 5000, 1),
    maxAliases: read.integer('QUERY_MAX_ALIASES', 30, 0),
  };

  const tokens: TokenLimitsConfig = {
    rateLimit: read.integer('TOKEN_RATE_LIMIT', 300, 1),
    userRateLimit: read.integer('TOKEN_USER_RATE_LIMIT', 600, 1),
    rateWindowSeconds: read.integer('TOKEN_RATE_WINDOW_SECONDS', 60, 1, 24 * 3600),
    grantRateLimit: read.integer('TOKEN_GRANT_RATE_LIMIT', 30, 1),
    viewUrlBudget: read.integer('VIEW_URL_BUDGET', 2000, 0),
    viewUrlWindowSeconds: read.integer('VIEW_URL_BUDGET_WINDOW_SECONDS', 3600, 1, 7 * 24 * 3600),
    maxActivePerUser: read.integer('TOKEN_MAX_ACTIVE_PER_USER', 20, 1, 1000),
  };

  const adminEmail = read.string('ADMIN_EMAIL');
  const adminPassword = read.string('ADMIN_PASSWORD');
  if ((adminEmail === undefined) !== (adminPassword === undefined)) {
    read.problems.push('ADMIN_EMAIL and ADMIN_PASSWORD must be set together.');
  }
  if (adminPassword !== undefined && adminPassword.length < 8) {
    read.problems.push('ADMIN_PASSWORD is shorter than 8 characters; choose a longer one.');
  }

  const config: Config = {
    host,
    port,
    dataDir,
    logLevel: read.string('LOG_LEVEL', 'info'),
    appOrigins,
    clientDir: path.resolve(cwd, read.string('CLIENT_DIR', 'dist/client/browser')),
    databaseUrl: read.string('DATABASE_URL'),
    embeddedPostgresPort: read.integer('EMBEDDED_POSTGRES_PORT', 5433, 0, 65535),
    s3,
    embeddedS3,
    embeddedS3Port,
    upload,
    quota,
    view,
    moderation,
    query,
    tokens,
    jobs,
    cleanup,
    sessionTtlSeconds: read.integer('SESSION_TTL_SECONDS', 30 * 24 * 3600, 60),
    viewerCacheSeconds: read.integer('VIEWER_CACHE_SECONDS', 30, 0, 300),
    admin: adminEmail && adminPassword ? { email: adminEmail, password: adminPassword } : undefined,
    benchProxyRoute: read.boolean('BENCH_PROXY_ROUTE', false),
  };

  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Returns a copy of `config` with the given storage settings, for embedded services chosen at start. */
export function withStorage(config: Config, s3: Partial<S3Config>): Config {
  return deepFreeze({ ...config, s3: { ...config.s3, ...s3 } });
}

export function withDatabaseUrl(config: Config, databaseUrl: string): Config {
  return deepFreeze({ ...config, databaseUrl });
}

import path from 'node:path';

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
  readonly sessionTtlSeconds: number;

  readonly admin: { readonly email: string; readonly password: string } | undefined;
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

/** SigV4 presigned URLs cannot live longer than 7 days. */
export const SIGV4_MAX_EXPIRY_SECONDS = 7 * 24 * 3600;

export const DEFAULT_ALLOWED_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif'];

/** Content types that can carry script and are never accepted, whatever the allowlist says. */
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
    maxBytes: read.integer('UPLOAD_MAX_BYTES', 25 * 1024 * 1024, 1, 5 * 1024 ** 3),
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
    sessionTtlSeconds: read.integer('SESSION_TTL_SECONDS', 30 * 24 * 3600, 60),
    admin: adminEmail && adminPassword ? { email: adminEmail, password: adminPassword } : undefined,
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

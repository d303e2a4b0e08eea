/**
 * The storage adapter. Services depend on this interface only; the AWS SDK is
 * imported nowhere outside `api/src/storage/`.
 */
export interface ObjectStorage {
  readonly bucket: string;

  /** Signs a PUT for `key` that accepts exactly the given type, length and, when set, SHA-256. */
  createUploadGrant(request: UploadGrantRequest): Promise<PresignedRequest>;

  /** Returns a GET URL for `key`, signed for the public endpoint, that stays valid at least `view.ttlSeconds`. */
  createViewUrl(request: ViewUrlRequest): Promise<ViewUrl>;

  /** Returns the object's size and type, or null when it does not exist. */
  head(key: string): Promise<ObjectHead | null>;

  /**
   * Reads at most `length` bytes starting at `offset` (fewer at the end of the
   * object) in one request, with the size of the whole object. Resolves null
   * when the object does not exist.
   */
  read(key: string, offset: number, length: number): Promise<ObjectRange | null>;

  /**
   * Copies inside the bucket, replacing metadata with the given values, and
   * returns the copy's ETag when the store reports one. With `ifMatch`, a
   * store that supports the condition copies only while the source still has
   * that ETag, and throws {@link SourceChangedError} otherwise.
   */
  copy(sourceKey: string, targetKey: string, metadata: ObjectMetadata, ifMatch?: string): Promise<CopyResult>;

  /** Deletes keys in batches of at most 1000; missing keys are not an error. */
  deleteMany(keys: readonly string[]): Promise<void>;

  /** Lists one page of keys under `prefix`. */
  list(prefix: string, continuationToken?: string): Promise<ObjectPage>;

  /** Creates the bucket when missing and applies its CORS and lifecycle rules. */
  ensureBucket(options: BucketSetup): Promise<BucketSetupResult>;

  /** Resolves when the store responds to a bucket-level request. */
  ping(): Promise<void>;
}

export interface UploadGrantRequest {
  key: string;
  contentType: string;
  contentLength: number;
  /** Base64 SHA-256 of the body; when present the store rejects any other bytes. */
  sha256Base64?: string;
  expiresInSeconds: number;
  /** Start of the grant's validity, default now; the URL stops working `expiresInSeconds` after it. */
  signingDate?: Date;
}

export interface PresignedRequest {
  method: 'PUT';
  url: string;
  /** Headers the client must send unchanged; `content-length` is signed but set by the client's HTTP stack. */
  headers: Record<string, string>;
}

export interface ViewUrlRequest {
  key: string;
}

export interface ViewUrl {
  url: string;
  expiresAt: Date;
}

export interface ObjectHead {
  size: number;
  contentType: string | undefined;
  lastModified: Date | undefined;
}

/** Part of an object and the size of the whole object. */
export interface ObjectRange {
  bytes: Buffer;
  /** Size of the whole object in bytes. */
  size: number;
  /** ETag of the object that was read, without quotes, when the store sent one. */
  etag: string | undefined;
}

export interface CopyResult {
  /** ETag of the new object, without quotes, when the store sent one. */
  etag: string | undefined;
}

export interface ObjectMetadata {
  contentType: string;
  contentDisposition: string;
}

export interface ObjectPage {
  objects: { key: string; size: number; lastModified: Date | undefined }[];
  nextContinuationToken: string | undefined;
}

export interface BucketSetup {
  allowedOrigins: readonly string[];
  /** Age in days after which objects under `incoming/` are deleted by the store itself. */
  incomingExpiryDays: number;
  /** Key prefixes that get an empty marker object; see `S3Config.keepPrefixMarkers`. */
  markedPrefixes: readonly string[];
}

export interface BucketSetupResult {
  created: boolean;
  corsApplied: boolean;
  lifecycleApplied: boolean;
}

/** Thrown when a conditional copy found that its source no longer has the expected ETag. */
export class SourceChangedError extends Error {
  constructor(readonly sourceKey: string) {
    super(`The object "${sourceKey}" changed before it could be copied.`);
    this.name = 'SourceChangedError';
  }
}

/** Returns an ETag without its quotes, as S3 sends it in headers (`"abc"`) and in XML (`&quot;abc&quot;`). */
export function bareEtag(etag: string | undefined | null): string | undefined {
  if (!etag) return undefined;
  return etag.replace(/&quot;|"/g, '').trim() || undefined;
}

/** Thrown when the store cannot be reached or responds with a server error. */
export class StorageUnavailableError extends Error {
  constructor(operation: string, cause: unknown) {
    super(`Object storage failed during ${operation}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'StorageUnavailableError';
    this.cause = cause;
  }
}

import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  type GetObjectCommandInput,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketCorsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3Config, ViewConfig } from '../config/config';
import type { Logger } from '../logging/logger';
import {
  StorageUnavailableError,
  type BucketSetup,
  type BucketSetupResult,
  bareEtag,
  type CopyResult,
  SourceChangedError,
  type ObjectHead,
  type ObjectMetadata,
  type ObjectPage,
  type ObjectRange,
  type ObjectStorage,
  type PresignedRequest,
  type UploadGrantRequest,
  type ViewUrl,
  type ViewUrlRequest,
} from './object-storage';
import { DirectS3Requests } from './direct-requests';
import { signWithSdk, UploadGrantSigner } from './upload-grant-signer';
import { ViewUrlCache, viewCacheControl } from './view-url';
import { ViewUrlSigner } from './view-url-signer';

/** Name of the empty object that keeps a key prefix from ever being empty. */
export const PREFIX_MARKER = '.sidestep-keep';

/** Headers a browser sends with an upload that the bucket's CORS rule must allow. */
export const UPLOAD_REQUEST_HEADERS = ['content-type', 'x-amz-checksum-sha256', 'ngsw-bypass'];

/** Builds an S3 client for MinIO, AWS S3 or the embedded server. */
function createClient(config: S3Config, endpoint: string | undefined): S3Client {
  const client = new S3Client({
    endpoint,
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    // Without these the SDK adds a CRC32 of an empty body to presigned URLs,
    // which no browser upload can match.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 2,
    // Without a timeout a store that stops responding holds a cleanup batch's row locks without end.
    // This SDK version only logs an exceeded requestTimeout unless throwOnRequestTimeout is set.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: config.requestTimeoutMs, throwOnRequestTimeout: true },
  });

  // The embedded S3 server routes bucket-level requests only without a
  // trailing slash ("/bucket", not "/bucket/"); real stores accept both.
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { path?: string };
      if (typeof request.path === 'string' && /^\/[^/]+\/$/.test(request.path)) {
        request.path = request.path.slice(0, -1);
      }
      return next(args);
    },
    { step: 'build', name: 'dropBucketTrailingSlash' },
  );
  return client;
}

function isMissing(error: unknown): boolean {
  if (!(error instanceof S3ServiceException)) return false;
  return error.$metadata.httpStatusCode === 404 || error.name === 'NotFound' || error.name === 'NoSuchKey';
}

function isNotImplemented(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.$metadata.httpStatusCode === 501 || error.name === 'NotImplemented');
}

export class S3ObjectStorage implements ObjectStorage {
  readonly bucket: string;
  private readonly client: S3Client;
  /** Signs for the endpoint browsers reach; SigV4 binds the Host, so the URL cannot be rewritten later. */
  private readonly publicSigner: S3Client;
  private readonly viewUrls: ViewUrlCache;
  /** Created on the first view URL; null when it disagreed with `getSignedUrl` and the SDK signs instead. */
  private viewSigner: Promise<ViewUrlSigner | null> | undefined;
  /** Created on the first grant; null when it disagreed with `getSignedUrl` and the SDK signs instead. */
  private grantSigner: Promise<UploadGrantSigner | null> | undefined;
  /** Created on the first read, copy or single delete; null when it could not be set up and the SDK sends those requests. */
  private direct: Promise<DirectS3Requests | null> | undefined;

  constructor(
    private readonly config: S3Config,
    private readonly view: ViewConfig,
    private readonly logger: Logger,
  ) {
    this.bucket = config.bucket;
    this.client = createClient(config, config.endpoint);
    this.publicSigner = createClient(config, config.publicEndpoint ?? config.endpoint);
    this.viewUrls = new ViewUrlCache(view);
  }

  async createUploadGrant(request: UploadGrantRequest): Promise<PresignedRequest> {
    this.grantSigner ??= this.createGrantSigner();
    const signer = await this.grantSigner;
    const url = signer ? await signer.sign(request) : await signWithSdk(this.publicSigner, this.bucket, request);

    const headers: Record<string, string> = { 'content-type': request.contentType };
    if (request.sha256Base64) headers['x-amz-checksum-sha256'] = request.sha256Base64;
    return { method: 'PUT', url, headers };
  }

  private async createGrantSigner(): Promise<UploadGrantSigner | null> {
    try {
      return await UploadGrantSigner.fromClient(this.publicSigner, this.bucket);
    } catch (error) {
      this.logger.warn(
        { event: 'storage.grant_signer_unavailable', err: error },
        'Upload grants are signed with getSignedUrl, which costs about ten times more CPU per grant.',
      );
      return null;
    }
  }

  async createViewUrl(request: ViewUrlRequest): Promise<ViewUrl> {
    return this.viewUrls.get(request.key, (signingDate, expiresInSeconds) => this.signViewUrl(request.key, signingDate, expiresInSeconds));
  }

  /** Signs with {@link ViewUrlSigner}, or with `getSignedUrl` when that signer cannot reproduce the SDK's URLs. */
  private async signViewUrl(key: string, signingDate: Date, expiresInSeconds: number): Promise<string> {
    this.viewSigner ??= this.createViewSigner();
    const signer = await this.viewSigner;
    if (signer) return signer.sign(key, signingDate, expiresInSeconds);
    return this.signViewUrlWithSdk(key, signingDate, expiresInSeconds);
  }

  private async signViewUrlWithSdk(key: string, signingDate: Date, expiresInSeconds: number): Promise<string> {
    const command = new GetObjectCommand({ Bucket: this.bucket, Key: key, ...this.viewUrlOverrides() });
    return getSignedUrl(this.publicSigner, command, { expiresIn: expiresInSeconds, signingDate });
  }

  private async createViewSigner(): Promise<ViewUrlSigner | null> {
    try {
      return await ViewUrlSigner.fromClient(this.publicSigner, { Bucket: this.bucket, ...this.viewUrlOverrides() });
    } catch (error) {
      this.logger.warn(
        { event: 'storage.view_signer_unavailable', err: error },
        'View URLs are signed with getSignedUrl, which costs about 100 times more CPU per URL.',
      );
      return null;
    }
  }

  private viewUrlOverrides(): Pick<GetObjectCommandInput, 'ResponseCacheControl'> {
    return { ResponseCacheControl: viewCacheControl(this.view.ttlSeconds) };
  }

  async head(key: string): Promise<ObjectHead | null> {
    try {
      const result = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: result.ContentLength ?? 0, contentType: result.ContentType, lastModified: result.LastModified };
    } catch (error) {
      if (isMissing(error)) return null;
      throw new StorageUnavailableError('HeadObject', error);
    }
  }

  async read(key: string, offset: number, length: number): Promise<ObjectRange | null> {
    const direct = await this.directRequests();
    try {
      return direct ? await direct.read(key, offset, length) : await this.readWithSdk(key, offset, length);
    } catch (error) {
      throw new StorageUnavailableError('GetObject', error);
    }
  }

  // The SDK sends reads, copies and single deletes only when DirectS3Requests cannot be set up.
  // storage-sdk-fallback.test.ts makes that happen.
  private directRequests(): Promise<DirectS3Requests | null> {
    this.direct ??= DirectS3Requests.fromClient(this.client, this.bucket, this.config.requestTimeoutMs).catch((error: unknown) => {
      this.logger.warn(
        { event: 'storage.direct_requests_unavailable', err: error },
        'Confirm sends its ranged GET, copy and delete through the SDK, which costs several times more CPU per request.',
      );
      return null;
    });
    return this.direct;
  }

  private async readWithSdk(key: string, offset: number, length: number): Promise<ObjectRange | null> {
    try {
      const result = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${offset}-${offset + length - 1}` }),
      );
      const size = Number(/\/(\d+)$/.exec(result.ContentRange ?? '')?.[1] ?? result.ContentLength);
      if (offset >= size) {
        // Nothing to read. The embedded server sends Content-Length 1 and no body for a ranged GET of an empty object, so do not wait for one.
        (result.Body as { destroy?: () => void } | undefined)?.destroy?.();
        return { bytes: Buffer.alloc(0), size, etag: bareEtag(result.ETag) };
      }
      const bytes = await result.Body!.transformToByteArray();
      // A store that ignores Range sends everything; never keep more than asked.
      return { bytes: Buffer.from(bytes.subarray(0, length)), size, etag: bareEtag(result.ETag) };
    } catch (error) {
      if (isMissing(error)) return null;
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 416 && offset === 0) {
        return { bytes: Buffer.alloc(0), size: 0, etag: undefined };
      }
      throw error;
    }
  }

  async copy(sourceKey: string, targetKey: string, metadata: ObjectMetadata, ifMatch?: string): Promise<CopyResult> {
    const direct = await this.directRequests();
    try {
      if (direct) return await direct.copy(sourceKey, targetKey, metadata, ifMatch);
      const result = await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: targetKey,
          CopySource: `${this.bucket}/${encodeURIComponent(sourceKey).replace(/%2F/g, '/')}`,
          CopySourceIfMatch: ifMatch ? `"${ifMatch}"` : undefined,
          MetadataDirective: 'REPLACE',
          ContentType: metadata.contentType,
          ContentDisposition: metadata.contentDisposition,
        }),
      );
      return { etag: bareEtag(result.CopyObjectResult?.ETag) };
    } catch (error) {
      if (error instanceof SourceChangedError) throw error;
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 412) throw new SourceChangedError(sourceKey);
      throw new StorageUnavailableError('CopyObject', error);
    }
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    // One key, as confirm deletes, is a plain DELETE; batches go to DeleteObjects, one request per 1000 keys.
    const direct = keys.length === 1 ? await this.directRequests() : null;
    if (direct) {
      try {
        await direct.delete(keys[0]);
        return;
      } catch (error) {
        throw new StorageUnavailableError('DeleteObject', error);
      }
    }
    for (let start = 0; start < keys.length; start += 1000) {
      const batch = keys.slice(start, start + 1000);
      try {
        const result = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((key) => ({ Key: key })), Quiet: true },
          }),
        );
        const failed = (result.Errors ?? []).filter((entry) => entry.Code !== 'NoSuchKey');
        if (failed.length > 0) {
          throw new Error(`${failed.length} of ${batch.length} deletes failed, first: ${failed[0].Key} ${failed[0].Code}`);
        }
      } catch (error) {
        throw new StorageUnavailableError('DeleteObjects', error);
      }
    }
  }

  async list(prefix: string, continuationToken?: string): Promise<ObjectPage> {
    try {
      const result = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: continuationToken, MaxKeys: 1000 }),
      );
      return {
        objects: (result.Contents ?? []).map((entry) => ({
          key: entry.Key!,
          size: entry.Size ?? 0,
          lastModified: entry.LastModified,
        })),
        nextContinuationToken: result.IsTruncated ? result.NextContinuationToken : undefined,
      };
    } catch (error) {
      throw new StorageUnavailableError('ListObjectsV2', error);
    }
  }

  async ping(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      throw new StorageUnavailableError('HeadBucket', error);
    }
  }

  async ensureBucket(options: BucketSetup): Promise<BucketSetupResult> {
    let created = false;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      if (!isMissing(error)) throw new StorageUnavailableError('HeadBucket', error);
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
      created = true;
    }

    for (const prefix of options.markedPrefixes) {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: `${prefix}${PREFIX_MARKER}`, Body: new Uint8Array(0), ContentLength: 0 }),
      );
    }

    let corsApplied = true;
    try {
      await this.client.send(
        new PutBucketCorsCommand({
          Bucket: this.bucket,
          CORSConfiguration: {
            CORSRules: [
              {
                AllowedOrigins: [...options.allowedOrigins],
                AllowedMethods: ['GET', 'HEAD', 'PUT'],
                AllowedHeaders: UPLOAD_REQUEST_HEADERS,
                ExposeHeaders: ['ETag'],
                MaxAgeSeconds: 3600,
              },
            ],
          },
        }),
      );
    } catch (error) {
      if (!isNotImplemented(error)) throw new StorageUnavailableError('PutBucketCors', error);
      // Community MinIO has no per-bucket CORS; its server-wide MINIO_API_CORS_ALLOW_ORIGIN applies instead.
      corsApplied = false;
      this.logger.warn(
        { event: 'storage.bucket_cors_unsupported', bucket: this.bucket },
        'The store does not support bucket CORS rules; configure CORS on the store itself so browsers can PUT and GET.',
      );
    }

    let lifecycleApplied = true;
    try {
      await this.client.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: this.bucket,
          LifecycleConfiguration: {
            Rules: [
              {
                ID: 'expire-unconfirmed-uploads',
                Status: 'Enabled',
                Filter: { Prefix: 'incoming/' },
                Expiration: { Days: options.incomingExpiryDays },
                AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
              },
            ],
          },
        }),
      );
    } catch (error) {
      if (!isNotImplemented(error)) throw new StorageUnavailableError('PutBucketLifecycleConfiguration', error);
      lifecycleApplied = false;
      this.logger.warn(
        { event: 'storage.lifecycle_unsupported', bucket: this.bucket },
        'The store does not support lifecycle rules; only the cleanup job removes unconfirmed uploads.',
      );
    }
    return { created, corsApplied, lifecycleApplied };
  }

  destroy(): void {
    void this.direct?.then((direct) => direct?.destroy());
    this.client.destroy();
    this.publicSigner.destroy();
  }
}

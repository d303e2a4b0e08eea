// Sends one file straight to object storage with a presigned grant from `requestUpload`.
import { describeStorageFailure } from '../core/error-messages';
import type { UploadGrant } from '../graphql/graphql-types';

/**
 * Header that makes Angular's service worker let the request through untouched. A PUT that
 * the worker re-issues with fetch() reports no upload progress. The header goes in the request
 * headers, because a query parameter would change the signed URL. The bucket's CORS rule must
 * allow it, or the preflight fails.
 */
export const SERVICE_WORKER_BYPASS_HEADER = 'ngsw-bypass';

// Headers that XMLHttpRequest does not let scripts set (forbidden request headers in the Fetch
// standard). The browser sends them itself, and its Content-Length is the size of the File
// body, which is the byteSize that the grant signed.
const BROWSER_CONTROLLED_HEADERS = new Set(['content-length', 'host']);

export class StorageUploadError extends Error {
  constructor(
    readonly status: number,
    readonly storageCode: string | null,
    /** `<Message>` of the S3 XML error body, when the storage service sent one. */
    readonly storageMessage: string | null = null,
  ) {
    super(describeStorageFailure(status, storageCode));
    this.name = 'StorageUploadError';
  }

  /**
   * Whether storage rejected the request because its presigned URL had expired, whatever this
   * device's clock shows. AWS S3 and s3rver return 403 AccessDenied "Request has expired", and
   * Cloudflare R2 returns 403 ExpiredRequest.
   */
  get grantExpired(): boolean {
    return this.status === 403 && (this.storageCode === 'ExpiredRequest' || /request has expired/i.test(this.storageMessage ?? ''));
  }
}

export interface StorageUploadOptions {
  /** Called for every `progress` event of the request body, with byte counts. */
  onProgress(loadedBytes: number, totalBytes: number): void;
  /** Aborting it aborts the request, which then rejects with an `AbortError` DOMException. */
  signal: AbortSignal;
}

/**
 * Sends `file` with exactly `grant.method`, `grant.url` and `grant.headers`, plus the service
 * worker bypass header. XMLHttpRequest is used because fetch() reports no upload progress.
 */
export function putFileToStorage(grant: UploadGrant, file: File, options: StorageUploadOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (options.signal.aborted) {
      reject(new DOMException('The upload was canceled.', 'AbortError'));
      return;
    }

    const xhr = new XMLHttpRequest();
    xhr.open(grant.method, grant.url);
    for (const header of grant.headers) {
      if (!BROWSER_CONTROLLED_HEADERS.has(header.name.toLowerCase())) {
        xhr.setRequestHeader(header.name, header.value);
      }
    }
    xhr.setRequestHeader(SERVICE_WORKER_BYPASS_HEADER, 'true');

    xhr.upload.onprogress = (event) => {
      options.onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve();
      } else {
        reject(new StorageUploadError(xhr.status, storageErrorCode(xhr.responseText), storageErrorMessage(xhr.responseText)));
      }
    };
    // Status 0 means that the connection failed or that CORS blocked the request or its preflight.
    xhr.onerror = () => reject(new StorageUploadError(0, null));
    xhr.onabort = () => reject(new DOMException('The upload was canceled.', 'AbortError'));

    options.signal.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

/** Reads `<Code>` from an S3 XML error body such as `<Error><Code>AccessDenied</Code>…`. */
function storageErrorCode(responseText: string): string | null {
  const match = /<Code>([^<]{1,100})<\/Code>/.exec(responseText);
  return match ? match[1] : null;
}

/** Reads `<Message>` from an S3 XML error body such as `<Error><Code>AccessDenied</Code><Message>Request has expired</Message>…`. */
function storageErrorMessage(responseText: string): string | null {
  const match = /<Message>([^<]{1,500})<\/Message>/.exec(responseText);
  return match ? match[1] : null;
}

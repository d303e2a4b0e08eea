import { Injectable, computed, inject, signal } from '@angular/core';
import { Apollo } from 'apollo-angular';
import { firstValueFrom } from 'rxjs';

import { describeError, describeRejection, hasErrorCode } from '../core/error-messages';
import type { Image, UploadGrant, Visibility } from '../graphql/graphql-types';
import { CONFIRM_UPLOAD_MUTATION, REQUEST_UPLOAD_MUTATION, VIEWER_QUERY } from '../graphql/operations';
import { resolveContentType } from './sniff-image-type';
import { putFileToStorage, StorageUploadError } from './storage-upload';

export type UploadPhase = 'waiting' | 'uploading' | 'confirming' | 'done' | 'rejected' | 'failed' | 'canceled';

/** One file on its way from the device to a confirmed image. */
export interface UploadItem {
  /** Local id of this attempt, unique within the page. */
  readonly key: number;
  readonly file: File;
  readonly visibility: Visibility;
  readonly phase: UploadPhase;
  readonly loadedBytes: number;
  readonly totalBytes: number;
  /** Number of upload `progress` events received for the current attempt. */
  readonly progressEvents: number;
  /** Message for people when the phase is `rejected` or `failed`. */
  readonly error: string | null;
  readonly imageId: string | null;
}

// A grant is requested just before its file is sent, so a short queue keeps every grant fresh
// and stays under the browser's six connections per host.
const MAX_PARALLEL_UPLOADS = 3;

const FINISHED_PHASES: ReadonlySet<UploadPhase> = new Set(['done', 'rejected', 'failed', 'canceled']);

/**
 * Runs uploads: request a grant, PUT the bytes to storage, confirm. It lives at the root so that
 * uploads keep going when the user leaves the upload page.
 */
@Injectable({ providedIn: 'root' })
export class UploadService {
  private readonly apollo = inject(Apollo);
  private readonly itemsSignal = signal<readonly UploadItem[]>([]);
  private readonly controllers = new Map<number, AbortController>();
  private nextKey = 1;
  private runningCount = 0;

  readonly items = this.itemsSignal.asReadonly();
  readonly hasFinishedItems = computed(() => this.items().some((item) => FINISHED_PHASES.has(item.phase)));

  enqueue(files: readonly File[], visibility: Visibility): void {
    const added = files.map((file) => this.newItem(file, visibility));
    this.itemsSignal.update((items) => [...items, ...added]);
    this.startWaitingUploads();
  }

  // NOTE: a canceled upload keeps its quota reservation until the grant expires and the API's
  // cleanup job releases it.
  cancel(key: number): void {
    const controller = this.controllers.get(key);
    if (controller) {
      controller.abort();
      return;
    }
    this.patch(key, (item) => (item.phase === 'waiting' ? { phase: 'canceled' } : {}));
  }

  /** Starts a failed or canceled file again with a new grant. */
  retry(key: number): void {
    const item = this.items().find((candidate) => candidate.key === key);
    if (!item || (item.phase !== 'failed' && item.phase !== 'canceled')) {
      return;
    }
    this.itemsSignal.update((items) =>
      items.map((candidate) => (candidate.key === key ? this.newItem(item.file, item.visibility) : candidate)),
    );
    this.startWaitingUploads();
  }

  clearFinished(): void {
    this.itemsSignal.update((items) => items.filter((item) => !FINISHED_PHASES.has(item.phase)));
  }

  private newItem(file: File, visibility: Visibility): UploadItem {
    return {
      key: this.nextKey++,
      file,
      visibility,
      phase: 'waiting',
      loadedBytes: 0,
      totalBytes: file.size,
      progressEvents: 0,
      error: null,
      imageId: null,
    };
  }

  private startWaitingUploads(): void {
    while (this.runningCount < MAX_PARALLEL_UPLOADS) {
      const next = this.items().find((item) => item.phase === 'waiting');
      if (!next) {
        break;
      }

      // upload() marks the item `uploading` before its first await, so the loop moves on.
      this.runningCount++;
      void this.upload(next).finally(() => {
        this.runningCount--;
        this.startWaitingUploads();
        if (this.runningCount === 0) {
          void this.refreshQuota();
        }
      });
    }
  }

  private async upload(item: UploadItem): Promise<void> {
    const { key, file } = item;
    const controller = new AbortController();
    this.controllers.set(key, controller);
    this.patch(key, () => ({ phase: 'uploading' }));

    try {
      const contentType = await resolveContentType(file);
      let image: Image;
      try {
        image = await this.transfer(item, contentType, controller.signal);
      } catch (error) {
        // A grant lives minutes; when it ran out before the bytes arrived, one fresh grant
        // usually finishes the job without bothering the user.
        if (controller.signal.aborted || !isExpiredGrant(error)) {
          throw error;
        }
        this.patch(key, () => ({ phase: 'uploading', loadedBytes: 0 }));
        image = await this.transfer(item, contentType, controller.signal);
      }
      if (image.status === 'REJECTED') {
        this.patch(key, () => ({ phase: 'rejected', error: describeRejection(image.rejectionReason) }));
      } else {
        this.patch(key, () => ({ phase: 'done' }));
      }
      this.invalidateImageList();
    } catch (error) {
      if (controller.signal.aborted) {
        this.patch(key, () => ({ phase: 'canceled' }));
      } else {
        this.patch(key, () => ({ phase: 'failed', error: describeError(error) }));
      }
    } finally {
      this.controllers.delete(key);
    }
  }

  /** Requests a grant, PUTs the file to storage and confirms it. */
  private async transfer(item: UploadItem, contentType: string, signal: AbortSignal): Promise<Image> {
    const { key, file } = item;
    const grant = await this.requestGrant(item, contentType);
    this.patch(key, () => ({ imageId: grant.image.id }));

    try {
      await putFileToStorage(grant, file, {
        signal,
        onProgress: (loadedBytes, totalBytes) =>
          this.patch(key, (current) => ({
            loadedBytes,
            totalBytes,
            progressEvents: current.progressEvents + 1,
          })),
      });
    } catch (error) {
      if (error instanceof StorageUploadError && Date.now() >= Date.parse(grant.expiresAt)) {
        throw new GrantExpiredError();
      }
      throw error;
    }

    // The bytes are in storage, so the upload can no longer be canceled.
    this.controllers.delete(key);
    this.patch(key, (current) => ({ phase: 'confirming', loadedBytes: current.totalBytes }));
    return this.confirm(grant.image.id);
  }

  private async requestGrant(item: UploadItem, contentType: string): Promise<UploadGrant> {
    const result = await firstValueFrom(
      this.apollo.mutate({
        mutation: REQUEST_UPLOAD_MUTATION,
        variables: {
          input: {
            filename: item.file.name,
            contentType,
            byteSize: item.file.size,
            visibility: item.visibility,
          },
        },
      }),
    );
    if (!result.data) {
      throw new Error('The server returned no upload grant. Try again.');
    }
    return result.data.requestUpload;
  }

  private async confirm(imageId: string): Promise<Image> {
    const result = await firstValueFrom(
      this.apollo.mutate({ mutation: CONFIRM_UPLOAD_MUTATION, variables: { id: imageId } }),
    );
    if (!result.data) {
      throw new Error('The server returned no image for the confirmed upload. Try again.');
    }
    return result.data.confirmUpload;
  }

  /** Drops the cached gallery pages, so the gallery fetches them again with the new image. */
  private invalidateImageList(): void {
    const cache = this.apollo.client.cache;
    cache.evict({ id: 'ROOT_QUERY', fieldName: 'images' });
    cache.gc();
  }

  private async refreshQuota(): Promise<void> {
    try {
      await this.apollo.client.refetchQueries({ include: [VIEWER_QUERY] });
    } catch (error) {
      console.warn('Could not refresh the quota after uploading.', error);
    }
  }

  private patch(key: number, change: (item: UploadItem) => Partial<UploadItem>): void {
    this.itemsSignal.update((items) =>
      items.map((item) => (item.key === key ? { ...item, ...change(item) } : item)),
    );
  }
}

/** Storage refused the PUT because the grant's signature had expired. */
class GrantExpiredError extends Error {
  constructor() {
    super('The upload permission expired before the file arrived.');
    this.name = 'GrantExpiredError';
  }
}

function isExpiredGrant(error: unknown): boolean {
  return error instanceof GrantExpiredError || hasErrorCode(error, 'GRANT_EXPIRED');
}

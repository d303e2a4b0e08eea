import { DestroyRef, Injectable, computed, effect, inject, signal, untracked } from '@angular/core';
import { Apollo } from 'apollo-angular';

import { ConnectivityService } from '../core/connectivity.service';
import { apiErrorsOf, describeError, describeRejection, isNetworkFailure } from '../core/error-messages';
import { SessionStore } from '../core/session.store';
import type { UploadGrant, Visibility } from '../graphql/graphql-types';
import { VIEWER_QUERY } from '../graphql/operations';
import { StorageUploadError } from './storage-upload';
import { UploadClaims } from './upload-claims';
import { UploadQueueStore, type QueuedUpload, type QueuedUploadChange } from './upload-queue.store';
import { UploadTransfer, type TransferListener } from './upload-transfer';

/**
 * `waiting`: queued, starts when one of the parallel slots is free. `offline`: queued until the
 * network returns.
 */
export type UploadPhase =
  | 'waiting'
  | 'offline'
  | 'uploading'
  | 'confirming'
  | 'done'
  | 'rejected'
  | 'failed'
  | 'canceled';

/** One file on its way from the device to a confirmed image. */
export interface UploadItem {
  /** Local id of this attempt, unique within the page. */
  readonly key: number;
  /** Id of the file's record in the IndexedDB queue, which outlives the page. */
  readonly queueId: string;
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
  /** Grant the bytes go to, reused after a lost connection while it stays valid. */
  readonly grant: UploadGrant | null;
  /** True once storage accepted the bytes under `grant`, so that only the confirm step remains. */
  readonly stored: boolean;
}

// A grant is requested just before its file is sent, so a short queue keeps every grant fresh
// and stays under the browser's six connections per host.
const MAX_PARALLEL_UPLOADS = 3;

/**
 * Delays before the queue tries again after a step failed without reaching the network while the
 * browser reported being online (a network without internet access, a dropped connection that
 * the browser has not noticed yet). After the last one the file is marked failed, because the
 * cause may be lasting, for example a storage service that rejects the browser's CORS requests.
 */
const ONLINE_RETRY_DELAYS_MS = [5_000, 20_000, 60_000];

const FINISHED_PHASES: ReadonlySet<UploadPhase> = new Set(['done', 'rejected', 'failed', 'canceled']);

/**
 * Runs uploads: request a grant, PUT the bytes to storage, confirm. It lives at the root so that
 * uploads keep going when the user leaves the upload page. Chosen files wait in IndexedDB until
 * they are uploaded, so a reload or a lost connection does not lose them: the queue is restored
 * at start and resumes when the network returns.
 */
@Injectable({ providedIn: 'root' })
export class UploadService {
  private readonly apollo = inject(Apollo);
  private readonly transfer = inject(UploadTransfer);
  private readonly store = inject(UploadQueueStore);
  private readonly session = inject(SessionStore);
  private readonly itemsSignal = signal<readonly UploadItem[]>([]);
  private readonly controllers = new Map<number, AbortController>();
  private readonly claims = new UploadClaims();
  // Items whose IndexedDB record is still being written; they start once it exists.
  private readonly admitting = new Set<number>();
  // Network failures per queued file since the browser last reported coming online.
  private readonly onlineFailures = new Map<string, number>();
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private nextKey = 1;
  private runningCount = 0;
  private storeWarningShown = false;

  readonly items = this.itemsSignal.asReadonly();
  readonly hasFinishedItems = computed(() => this.items().some((item) => FINISHED_PHASES.has(item.phase)));

  constructor() {
    const reconnected = inject(ConnectivityService).reconnected.subscribe(() => {
      this.onlineFailures.clear();
      this.cancelRetry();
      void this.restore();
    });
    inject(DestroyRef).onDestroy(() => {
      reconnected.unsubscribe();
      this.cancelRetry();
    });

    // Files belong to the session they were chosen in. Signing out, or in as someone else,
    // discards them, so that another user can neither upload them nor read their names.
    let previousToken = this.session.token();
    effect(() => {
      const token = this.session.token();
      if (token !== previousToken) {
        untracked(() => void this.discardAll());
      }
      previousToken = token;
    });
  }

  /**
   * Adds the files that wait in IndexedDB to the list and starts them, with those that wait for
   * the network. It runs at app start, when the network returns and when a retry is due, which
   * also picks up the files of a tab that was closed meanwhile.
   */
  async restore(): Promise<void> {
    let records: QueuedUpload[];
    try {
      if (!this.session.token()) {
        // Left over from a session whose sign-out could not finish clearing the queue.
        await this.store.clear();
        return;
      }
      records = await this.store.list();
    } catch (error) {
      this.warnStoreUnavailable(error);
      this.startWaitingUploads(true);
      return;
    }

    for (const record of records) {
      if (this.hasQueueId(record.id) || !(await this.claims.claim(record.id)) || this.hasQueueId(record.id)) {
        // Listed already, or another tab of this browser is uploading it.
        continue;
      }
      this.itemsSignal.update((items) => [...items, this.itemFromRecord(record)]);
    }
    this.startWaitingUploads(true);
  }

  enqueue(files: readonly File[], visibility: Visibility): void {
    const added = files.map((file) => this.newItem(file, visibility, crypto.randomUUID()));
    this.itemsSignal.update((items) => [...items, ...added]);
    void this.admit(added);
  }

  // NOTE: a canceled upload keeps its quota reservation until the grant expires and the API's
  // cleanup job releases it.
  cancel(key: number): void {
    const controller = this.controllers.get(key);
    if (controller) {
      controller.abort();
      return;
    }
    const item = this.findItem(key);
    if (item && (item.phase === 'waiting' || item.phase === 'offline')) {
      this.patch(key, () => ({ phase: 'canceled' }));
      this.forget(item.queueId);
    }
  }

  /** Starts a failed or canceled file again with a new grant. */
  retry(key: number): void {
    const item = this.findItem(key);
    if (!item || (item.phase !== 'failed' && item.phase !== 'canceled')) {
      return;
    }
    const fresh = this.newItem(item.file, item.visibility, item.queueId);
    this.itemsSignal.update((items) => items.map((candidate) => (candidate.key === key ? fresh : candidate)));
    void this.admit([fresh]);
  }

  clearFinished(): void {
    const finished = this.items().filter((item) => FINISHED_PHASES.has(item.phase));
    for (const item of finished) {
      if (item.phase === 'failed') {
        this.forget(item.queueId);
      }
    }
    this.itemsSignal.update((items) => items.filter((item) => !FINISHED_PHASES.has(item.phase)));
  }

  private newItem(file: File, visibility: Visibility, queueId: string): UploadItem {
    return {
      key: this.nextKey++,
      queueId,
      file,
      visibility,
      phase: 'waiting',
      loadedBytes: 0,
      totalBytes: file.size,
      progressEvents: 0,
      error: null,
      imageId: null,
      grant: null,
      stored: false,
    };
  }

  private itemFromRecord(record: QueuedUpload): UploadItem {
    const file = new File([record.file], record.name, { type: record.type, lastModified: record.lastModified });
    return {
      ...this.newItem(file, record.visibility, record.id),
      phase: record.failure ? 'failed' : 'waiting',
      error: record.failure,
      imageId: record.grant?.image.id ?? null,
      loadedBytes: record.stored ? file.size : 0,
      grant: record.grant,
      stored: record.stored,
    };
  }

  /** Claims the items for this tab and writes their records, then lets them start. */
  private async admit(items: readonly UploadItem[]): Promise<void> {
    for (const item of items) {
      this.admitting.add(item.key);
    }
    for (const item of items) {
      try {
        await this.claims.claim(item.queueId);
        await this.store.put({
          id: item.queueId,
          file: item.file,
          name: item.file.name,
          type: item.file.type,
          lastModified: item.file.lastModified,
          visibility: item.visibility,
          queuedAt: Date.now(),
          grant: null,
          stored: false,
          failure: null,
        });
      } catch (error) {
        this.warnStoreUnavailable(error);
      } finally {
        this.admitting.delete(item.key);
      }
    }
    this.startWaitingUploads();
  }

  /**
   * Starts waiting files up to the parallel limit. Files that wait for the network start again
   * only with `resumeOffline`, which restore() passes when the network returned or a retry is
   * due, so that a failing network is not retried in a tight loop.
   */
  private startWaitingUploads(resumeOffline = false): void {
    if (!navigator.onLine) {
      this.setPhaseOfAll('waiting', 'offline');
      return;
    }
    if (resumeOffline) {
      this.setPhaseOfAll('offline', 'waiting');
    }

    while (this.runningCount < MAX_PARALLEL_UPLOADS) {
      const next = this.items().find((item) => item.phase === 'waiting' && !this.admitting.has(item.key));
      if (!next) {
        break;
      }

      // upload() marks the item `uploading` before its first await, so the loop moves on.
      this.runningCount++;
      void this.upload(next).finally(() => {
        this.runningCount--;
        this.startWaitingUploads();
        if (this.runningCount === 0 && navigator.onLine) {
          void this.refreshQuota();
        }
      });
    }
  }

  private async upload(item: UploadItem): Promise<void> {
    const { key, queueId } = item;
    const controller = new AbortController();
    this.controllers.set(key, controller);
    this.patch(key, () => ({ phase: 'uploading', error: null, progressEvents: 0 }));

    try {
      const image = await this.transfer.run(item, this.listenerFor(key, queueId), controller.signal);
      if (image.status === 'REJECTED') {
        this.patch(key, () => ({ phase: 'rejected', error: describeRejection(image.rejectionReason) }));
      } else {
        this.patch(key, () => ({ phase: 'done' }));
      }
      this.forget(queueId);
      this.invalidateImageList();
    } catch (error) {
      if (controller.signal.aborted) {
        this.patch(key, () => ({ phase: 'canceled' }));
        this.forget(queueId);
      } else if (isRejectedUpload(error)) {
        // Confirm checked the stored bytes and refused them, so sending them again cannot help.
        const reason = apiErrorsOf(error).find((apiError) => apiError.code === 'UPLOAD_MISMATCH')?.message ?? null;
        this.patch(key, () => ({ phase: 'rejected', error: describeRejection(reason) }));
        this.forget(queueId);
      } else if (isRejectedFile(error)) {
        // The API rejected the file itself (its size, type or name), so a retry cannot succeed.
        this.patch(key, () => ({ phase: 'rejected', error: describeError(error) }));
        this.forget(queueId);
      } else if (isConnectionLoss(error) && !this.retriesExhausted(queueId)) {
        // The record keeps the grant and whether the bytes arrived, so the upload resumes there
        // when the network returns, or after a delay when the browser reports being online.
        this.patch(key, () => ({ phase: 'offline' }));
        this.scheduleRetry(queueId);
      } else {
        const message = describeError(error);
        this.patch(key, () => ({ phase: 'failed', error: message }));
        this.persist(queueId, { failure: message });
      }
    } finally {
      this.controllers.delete(key);
    }
  }

  /** Shows the steps of a transfer in the item with `key` and saves them in its queue record. */
  private listenerFor(key: number, queueId: string): TransferListener {
    return {
      grantReceived: (grant) => {
        this.patch(key, () => ({ grant, stored: false, imageId: grant.image.id, loadedBytes: 0 }));
        this.persist(queueId, { grant, stored: false });
      },
      progress: (loadedBytes, totalBytes) =>
        this.patch(key, (current) => ({ loadedBytes, totalBytes, progressEvents: current.progressEvents + 1 })),
      stored: () => {
        // The bytes are in storage, so the upload can no longer be canceled.
        this.controllers.delete(key);
        this.patch(key, (current) => ({ stored: true, phase: 'confirming', loadedBytes: current.totalBytes }));
        this.persist(queueId, { stored: true });
      },
    };
  }

  /** Aborts every upload and deletes the queue, in memory and in IndexedDB. */
  private async discardAll(): Promise<void> {
    for (const controller of this.controllers.values()) {
      controller.abort();
    }
    this.itemsSignal.set([]);
    this.claims.releaseAll();
    this.onlineFailures.clear();
    this.cancelRetry();
    try {
      await this.store.clear();
    } catch (error) {
      this.warnStoreUnavailable(error);
    }
  }

  /** True when a file failed without reaching the network more often than it is retried while online. */
  private retriesExhausted(queueId: string): boolean {
    return navigator.onLine && (this.onlineFailures.get(queueId) ?? 0) >= ONLINE_RETRY_DELAYS_MS.length;
  }

  /**
   * Restores the queue after a delay when the browser reports being online, so it cannot fire
   * an `online` event. While it reports being offline, the `online` event restores the queue.
   */
  private scheduleRetry(queueId: string): void {
    if (!navigator.onLine) {
      return;
    }
    const failures = (this.onlineFailures.get(queueId) ?? 0) + 1;
    this.onlineFailures.set(queueId, failures);
    if (this.retryTimer === null) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        void this.restore();
      }, ONLINE_RETRY_DELAYS_MS[failures - 1]);
    }
  }

  private cancelRetry(): void {
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
  }

  /** Removes a file that left the queue for good: finished, canceled or cleared. */
  private forget(queueId: string): void {
    this.onlineFailures.delete(queueId);
    this.claims.release(queueId);
    this.store.delete(queueId).catch((error: unknown) => this.warnStoreUnavailable(error));
  }

  private persist(queueId: string, change: QueuedUploadChange): void {
    this.store.update(queueId, change).catch((error: unknown) => this.warnStoreUnavailable(error));
  }

  private warnStoreUnavailable(error: unknown): void {
    if (!this.storeWarningShown) {
      this.storeWarningShown = true;
      console.warn('The upload queue cannot use IndexedDB, so a reload loses the files that wait.', error);
    }
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

  private hasQueueId(queueId: string): boolean {
    return this.items().some((item) => item.queueId === queueId);
  }

  private findItem(key: number): UploadItem | undefined {
    return this.items().find((item) => item.key === key);
  }

  private setPhaseOfAll(from: UploadPhase, to: UploadPhase): void {
    if (this.items().some((item) => item.phase === from)) {
      this.itemsSignal.update((items) => items.map((item) => (item.phase === from ? { ...item, phase: to } : item)));
    }
  }

  private patch(key: number, change: (item: UploadItem) => Partial<UploadItem>): void {
    this.itemsSignal.update((items) =>
      items.map((item) => (item.key === key ? { ...item, ...change(item) } : item)),
    );
  }
}

/** True when a step failed because the network is gone, so the file waits instead of failing. */
function isConnectionLoss(error: unknown): boolean {
  return (
    !navigator.onLine ||
    isNetworkFailure(error) ||
    // Status 0: the connection failed. A CORS rejection looks the same, and its retries fail
    // until the file is marked failed.
    (error instanceof StorageUploadError && error.status === 0)
  );
}

/** Error codes for a file that the API rejects at any time: too large, of a type it does not accept, or with an invalid name. */
const FILE_REJECTION_CODES = new Set(['FILE_TOO_LARGE', 'UNSUPPORTED_TYPE', 'BAD_USER_INPUT']);

function isRejectedFile(error: unknown): boolean {
  return apiErrorsOf(error).some((apiError) => apiError.code !== null && FILE_REJECTION_CODES.has(apiError.code));
}

function isRejectedUpload(error: unknown): boolean {
  return apiErrorsOf(error).some((apiError) => apiError.code === 'UPLOAD_MISMATCH');
}

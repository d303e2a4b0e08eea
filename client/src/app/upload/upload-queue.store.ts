import { Injectable } from '@angular/core';

import type { UploadGrant, Visibility } from '../graphql/graphql-types';

const DATABASE_NAME = 'sidestep-uploads';
const DATABASE_VERSION = 1;
const QUEUE_STORE = 'queue';

/** A chosen file as IndexedDB keeps it until the upload finishes, is canceled or is cleared. */
export interface QueuedUpload {
  /** Random id, also the name of the Web Lock that the tab working on it holds. */
  id: string;
  /** The bytes. IndexedDB stores Blobs by structured clone, without reading them into memory. */
  file: Blob;
  name: string;
  /** MIME type the browser gave the file, or an empty string. */
  type: string;
  lastModified: number;
  visibility: Visibility;
  /** Milliseconds since the epoch, which orders the queue. */
  queuedAt: number;
  /** Last grant for this file, reused on resume while it stays valid. */
  grant: UploadGrant | null;
  /** True once storage accepted the bytes under `grant`, so that only the confirm step remains. */
  stored: boolean;
  /** Message of a failure that the user must act on (Retry), or null while the file waits. */
  failure: string | null;
}

export type QueuedUploadChange = Partial<Pick<QueuedUpload, 'grant' | 'stored' | 'failure'>>;

/**
 * The upload queue in IndexedDB, so that chosen files survive a reload, a closed tab and a lost
 * connection. Every method rejects when IndexedDB is unavailable (for example in some private
 * browsing modes), and UploadService then keeps the queue in memory only.
 */
@Injectable({ providedIn: 'root' })
export class UploadQueueStore {
  private database: Promise<IDBDatabase> | null = null;

  async list(): Promise<QueuedUpload[]> {
    const records = await this.run('readonly', (store) => store.getAll() as IDBRequest<QueuedUpload[]>);
    return records.sort((a, b) => a.queuedAt - b.queuedAt);
  }

  async put(record: QueuedUpload): Promise<void> {
    await this.run('readwrite', (store) => store.put(record));
  }

  /** Applies `change` to the record with `id`, in one transaction. A missing record stays missing. */
  async update(id: string, change: QueuedUploadChange): Promise<void> {
    const database = await this.open();
    await new Promise<void>((resolve, reject) => {
      const transaction = database.transaction(QUEUE_STORE, 'readwrite');
      const store = transaction.objectStore(QUEUE_STORE);
      const read = store.get(id) as IDBRequest<QueuedUpload | undefined>;
      read.onsuccess = () => {
        if (read.result) {
          store.put({ ...read.result, ...change });
        }
      };
      transaction.oncomplete = () => resolve();
      transaction.onabort = () => reject(transaction.error ?? new Error('The upload queue update was aborted.'));
    });
  }

  async delete(id: string): Promise<void> {
    await this.run('readwrite', (store) => store.delete(id));
  }

  async clear(): Promise<void> {
    await this.run('readwrite', (store) => store.clear());
  }

  private async run<T>(mode: IDBTransactionMode, operation: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    const database = await this.open();
    return new Promise<T>((resolve, reject) => {
      const transaction = database.transaction(QUEUE_STORE, mode);
      const request = operation(transaction.objectStore(QUEUE_STORE));
      // Resolving on `complete`, not on the request's `success`, means that the write is durable.
      transaction.oncomplete = () => resolve(request.result);
      transaction.onabort = () => reject(transaction.error ?? new Error('The upload queue transaction was aborted.'));
    });
  }

  private open(): Promise<IDBDatabase> {
    this.database ??= new Promise<IDBDatabase>((resolve, reject) => {
      if (typeof indexedDB === 'undefined') {
        reject(new Error('IndexedDB is not available in this browser.'));
        return;
      }
      const request = indexedDB.open(DATABASE_NAME, DATABASE_VERSION);
      request.onupgradeneeded = () => {
        request.result.createObjectStore(QUEUE_STORE, { keyPath: 'id' });
      };
      request.onsuccess = () => {
        const database = request.result;
        // Another tab that deletes or upgrades the database must not wait for this one.
        database.onversionchange = () => {
          database.close();
          this.database = null;
        };
        resolve(database);
      };
      request.onerror = () => reject(request.error ?? new Error('Opening the upload queue database failed.'));
    });
    this.database.catch(() => (this.database = null));
    return this.database;
  }
}

import { Injectable, inject } from '@angular/core';
import { Apollo } from 'apollo-angular';
import { firstValueFrom } from 'rxjs';

import { hasErrorCode } from '../core/error-messages';
import type { Image, UploadGrant, Visibility } from '../graphql/graphql-types';
import { CONFIRM_UPLOAD_MUTATION, REQUEST_UPLOAD_MUTATION } from '../graphql/operations';
import { resolveContentType } from './sniff-image-type';
import { putFileToStorage, StorageUploadError } from './storage-upload';

/** A saved grant closer than this to its expiry is replaced by a fresh one before the PUT starts. */
const GRANT_REUSE_MARGIN_MS = 30_000;

/** A file to transfer, with what an earlier attempt saved about it. */
export interface TransferSource {
  readonly file: File;
  readonly visibility: Visibility;
  /** Grant of an earlier attempt, reused while it stays valid. */
  readonly grant: UploadGrant | null;
  /** True when storage accepted the bytes under `grant`, so that only the confirm step remains. */
  readonly stored: boolean;
}

/** Receives the steps of a transfer, so that the caller can show and save them. */
export interface TransferListener {
  /** A fresh grant replaced the saved one, and no bytes are stored under it yet. */
  grantReceived(grant: UploadGrant): void;
  /** An upload `progress` event of the PUT, in bytes. */
  progress(loadedBytes: number, totalBytes: number): void;
  /** Storage contains the bytes. Only the confirm step remains, which cannot be canceled. */
  stored(): void;
}

/** Moves one file to a confirmed image: grant, PUT straight to storage, confirm. */
@Injectable({ providedIn: 'root' })
export class UploadTransfer {
  private readonly apollo = inject(Apollo);

  /**
   * Runs the steps that `source` still needs, and runs them once more with a fresh grant when
   * the grant expired. A grant lives minutes, and one saved before the connection dropped may
   * have run out before it returned.
   */
  async run(source: TransferSource, listener: TransferListener, signal: AbortSignal): Promise<Image> {
    const contentType = await resolveContentType(source.file);
    try {
      return await this.attempt(source, contentType, listener, signal);
    } catch (error) {
      if (signal.aborted || !isExpiredGrant(error)) {
        throw error;
      }
      return await this.attempt({ ...source, grant: null, stored: false }, contentType, listener, signal);
    }
  }

  /** Requests a grant unless the saved one is still valid, PUTs the file to storage and confirms it. */
  private async attempt(
    source: TransferSource,
    contentType: string,
    listener: TransferListener,
    signal: AbortSignal,
  ): Promise<Image> {
    let grant = source.grant;
    let stored = source.stored && grant !== null;
    // Only the PUT needs a grant that is still valid. Bytes already stored just need confirming,
    // and the API returns GRANT_EXPIRED when that is too late.
    const reusingGrant = grant !== null && (stored || Date.parse(grant.expiresAt) - Date.now() > GRANT_REUSE_MARGIN_MS);
    if (!grant || !reusingGrant) {
      grant = await this.requestGrant(source, contentType);
      stored = false;
      listener.grantReceived(grant);
    }

    if (!stored) {
      await this.putToStorage(source.file, grant, reusingGrant, listener, signal);
    }
    listener.stored();
    return this.confirm(grant.image.id);
  }

  private async putToStorage(
    file: File,
    grant: UploadGrant,
    reusedGrant: boolean,
    listener: TransferListener,
    signal: AbortSignal,
  ): Promise<void> {
    try {
      await putFileToStorage(grant, file, {
        signal,
        onProgress: (loadedBytes, totalBytes) => listener.progress(loadedBytes, totalBytes),
      });
    } catch (error) {
      // Storage rejects an expired presigned request with 403. A saved grant that storage
      // rejects is treated as expired too, because this device's clock may lag the server's.
      // For a fresh grant, storage's own "expired" response decides, for the same reason.
      const refused = error instanceof StorageUploadError && error.status === 403;
      if (
        error instanceof StorageUploadError &&
        (error.grantExpired || Date.now() >= Date.parse(grant.expiresAt) || (refused && reusedGrant))
      ) {
        throw new GrantExpiredError();
      }
      throw error;
    }
  }

  private async requestGrant(source: TransferSource, contentType: string): Promise<UploadGrant> {
    const result = await firstValueFrom(
      this.apollo.mutate({
        mutation: REQUEST_UPLOAD_MUTATION,
        variables: {
          input: {
            filename: source.file.name,
            contentType,
            byteSize: source.file.size,
            visibility: source.visibility,
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

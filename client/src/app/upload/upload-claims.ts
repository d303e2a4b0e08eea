const LOCK_PREFIX = 'sidestep.upload.';

/**
 * Web Locks that mark which tab works on which queued upload. A tab claims a file when it adds
 * or restores it and releases it when the file leaves its list, so that two tabs of the same
 * browser never upload the same file twice. A closed tab releases its claims.
 */
export class UploadClaims {
  private readonly releases = new Map<string, () => void>();

  /** Claims `id` for this tab. Resolves false when another tab has claimed it. */
  claim(id: string): Promise<boolean> {
    if (this.releases.has(id)) {
      return Promise.resolve(true);
    }
    if (typeof navigator.locks === 'undefined') {
      // NOTE: without the Web Locks API (browsers before 2022), two tabs can resume the same file.
      return Promise.resolve(true);
    }

    return new Promise<boolean>((resolve, reject) => {
      navigator.locks
        .request(LOCK_PREFIX + id, { ifAvailable: true }, (lock) => {
          if (!lock) {
            resolve(false);
            return undefined;
          }
          resolve(true);
          // The lock is held until this promise settles.
          return new Promise<void>((release) => this.releases.set(id, release));
        })
        .catch(reject);
    });
  }

  release(id: string): void {
    this.releases.get(id)?.();
    this.releases.delete(id);
  }

  releaseAll(): void {
    for (const id of [...this.releases.keys()]) {
      this.release(id);
    }
  }
}

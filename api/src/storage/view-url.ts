import type { ViewConfig } from '../config/config';
import type { ViewUrl } from './object-storage';

/**
 * Returns the Cache-Control a view URL asks the store to send. `max-age`
 * equals the TTL, which never exceeds the URL's remaining life because the URL
 * is signed for TTL + window from the start of its window. The verified
 * content type and the inline Content-Disposition are stored on the object at
 * confirm, so the URL does not need to override them.
 */
export function viewCacheControl(ttlSeconds: number): string {
  return `private, max-age=${ttlSeconds}`;
}

export type SignFunction = (signingDate: Date, expiresInSeconds: number) => Promise<string>;

interface Entry {
  windowStart: number;
  value: Promise<ViewUrl>;
}

/**
 * Memoizes one view URL per object key and signing window. Every caller inside
 * a window gets the byte-identical URL, so browser, CDN and service-worker
 * caches can hit; the URL is valid for at least `ttlSeconds` from any moment in
 * its window.
 */
export class ViewUrlCache {
  private readonly entries = new Map<string, Entry>();
  private readonly windowMs: number;
  private readonly expiresInSeconds: number;

  constructor(
    view: ViewConfig,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 100_000,
  ) {
    this.windowMs = view.windowSeconds * 1000;
    this.expiresInSeconds = view.ttlSeconds + view.windowSeconds;
  }

  get(key: string, sign: SignFunction): Promise<ViewUrl> {
    const windowStart = Math.floor(this.now() / this.windowMs) * this.windowMs;
    const cached = this.entries.get(key);
    if (cached && cached.windowStart === windowStart) return cached.value;

    const value = sign(new Date(windowStart), this.expiresInSeconds).then((url) => ({
      url,
      expiresAt: new Date(windowStart + this.expiresInSeconds * 1000),
    }));
    value.catch(() => this.entries.delete(key));

    if (this.entries.size >= this.maxEntries) this.evictOlderThan(windowStart);
    this.entries.set(key, { windowStart, value });
    return value;
  }

  private evictOlderThan(windowStart: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.windowStart < windowStart) this.entries.delete(key);
    }
    // Every entry is from the current window: drop the oldest insertions.
    if (this.entries.size >= this.maxEntries) {
      const excess = this.entries.size - this.maxEntries + 1;
      let removed = 0;
      for (const key of this.entries.keys()) {
        if (removed++ >= excess) break;
        this.entries.delete(key);
      }
    }
  }
}

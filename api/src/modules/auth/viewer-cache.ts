import pg from 'pg';
import type { Viewer } from '../../context';
import type { Logger } from '../../logging/logger';

/**
 * PostgreSQL channel that carries the id of a user whose sessions, tokens or
 * role changed. Triggers send it on commit (see Migration20261205010000).
 */
export const VIEWER_CHANNEL = 'sidestep_viewers';

interface Entry {
  viewer: Viewer;
  /** Epoch milliseconds after which the entry is not used. */
  validUntil: number;
  /** When the API token was last recorded as used, for tokens only. */
  lastUsedAt?: number;
}

/**
 * The viewers of bearer tokens this process has looked up, keyed by the
 * token's hash, so a signed-in request needs no database round trip. An entry
 * lives at most the configured time and never past its session's or token's
 * expiry. Changes to a user's sessions, tokens or role drop the user's
 * entries in every process, through {@link VIEWER_CHANNEL}.
 *
 * The cache serves nothing while {@link ViewerInvalidation} is not listening,
 * because changes could then go unnoticed.
 */
export class ViewerCache {
  private readonly entries = new Map<string, Entry>();
  /** Counts invalidations, so a lookup that overlapped one is not stored. */
  private epoch = 0;
  private listening = false;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0 && this.listening;
  }

  /** Returns the cached entry for `tokenHash`, or undefined when there is none or it ran out. */
  get(tokenHash: string, now = Date.now()): Entry | undefined {
    if (!this.enabled) return undefined;
    const entry = this.entries.get(tokenHash);
    if (entry && entry.validUntil <= now) {
      this.entries.delete(tokenHash);
      return undefined;
    }
    return entry;
  }

  /** Marks the start of a database lookup. Pass the result to {@link set}. */
  begin(): number {
    return this.epoch;
  }

  /**
   * Stores what a lookup that began at `since` found, unless an invalidation
   * came in meanwhile. `expiresAt` is the session's or token's own expiry.
   */
  set(tokenHash: string, since: number, entry: { viewer: Viewer; expiresAt: number | null; lastUsedAt?: number }, now = Date.now()): void {
    if (!this.enabled || since !== this.epoch) return;
    if (this.entries.size >= this.maxEntries) {
      // Maps iterate in insertion order, so this drops the oldest entry.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    const validUntil = Math.min(now + this.ttlMs, entry.expiresAt ?? Number.POSITIVE_INFINITY);
    this.entries.set(tokenHash, { viewer: entry.viewer, validUntil, lastUsedAt: entry.lastUsedAt });
  }

  /** Drops every entry of `userId`. */
  forgetUser(userId: string): void {
    this.epoch += 1;
    for (const [hash, entry] of this.entries) {
      if (entry.viewer.userId === userId) this.entries.delete(hash);
    }
  }

  /** Turns the cache on or off as the invalidation listener connects or loses its connection. Either way the cache starts empty. */
  setListening(listening: boolean): void {
    this.epoch += 1;
    this.entries.clear();
    this.listening = listening;
  }
}

/**
 * Listens on {@link VIEWER_CHANNEL} over a connection of its own and drops
 * the named users' entries. When the connection fails, the cache turns off
 * until a new connection listens again.
 */
export class ViewerInvalidation {
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private delayMs = RECONNECT_FIRST_MS;

  constructor(
    private readonly databaseUrl: string,
    private readonly cache: ViewerCache,
    private readonly logger: Logger,
  ) {}

  /** Connects and listens. Resolves once listening, or after the first failure, which schedules a retry. */
  async start(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.databaseUrl, application_name: LISTENER_APPLICATION_NAME });
    this.client = client;
    client.on('notification', (message) => {
      if (message.channel === VIEWER_CHANNEL && message.payload) this.cache.forgetUser(message.payload);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error("The viewer listener's connection to PostgreSQL ended.")));
    try {
      await client.connect();
      await client.query(`listen ${VIEWER_CHANNEL}`);
      this.cache.setListening(true);
      this.delayMs = RECONNECT_FIRST_MS;
    } catch (error) {
      this.lost(client, error);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    this.cache.setListening(false);
    await this.client?.end().catch(() => undefined);
  }

  private lost(client: pg.Client, error: unknown): void {
    if (client !== this.client) return;
    this.client = undefined;
    this.cache.setListening(false);
    client.end().catch(() => undefined);
    if (this.stopped) return;
    this.logger.warn(
      { event: 'auth.viewer_listener_lost', err: error, retryInMs: this.delayMs },
      'Signed-in requests look up their token in the database until the listener reconnects.',
    );
    this.retry = setTimeout(() => void this.start(), this.delayMs);
    this.delayMs = Math.min(this.delayMs * 2, RECONNECT_MAX_MS);
  }
}

/** Name the listener's connection carries in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = 'sidestep-viewer-listener';
const RECONNECT_FIRST_MS = 1000;
const RECONNECT_MAX_MS = 30_000;

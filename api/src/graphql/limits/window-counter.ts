import type { EntityManager } from '@mikro-orm/postgresql';

/** A counter's state after a change. */
export interface WindowCount {
  count: number;
  windowStart: Date;
  /** When the window ends and the counter starts again from zero. */
  resetAt: Date;
}

/**
 * Fixed-window counters in the `rate_limits` table, shared by every API
 * replica. Unlike a plain rate check, `add` takes any amount, 0 included, and
 * returns the count, so callers can reserve several units at once and report
 * what is left.
 */
export class WindowCounter {
  /** Adds `amount` to the counter of the current window, starting a new window when the stored one is over. */
  async add(em: EntityManager, key: string, amount: number, windowSeconds: number): Promise<WindowCount> {
    const windowMs = windowSeconds * 1000;
    const windowStart = new Date(Math.floor(Date.now() / windowMs) * windowMs);
    const rows: { count: number }[] = await em.execute(
      `insert into rate_limits as counter (key, window_start, count) values (?, ?, ?)
       on conflict (key) do update set
         count = case when counter.window_start = excluded.window_start then counter.count + excluded.count else excluded.count end,
         window_start = excluded.window_start
       returning count`,
      [key, windowStart, amount],
    );
    return { count: rows[0].count, windowStart, resetAt: new Date(windowStart.getTime() + windowMs) };
  }

  /**
   * Gives back `amount` units taken in the window that started at `windowStart`.
   * Returns the new count, or null when that window is already over.
   */
  async subtract(em: EntityManager, key: string, amount: number, windowStart: Date): Promise<number | null> {
    const rows: { count: number }[] = await em.execute(
      `update rate_limits set count = greatest(count - ?, 0) where key = ? and window_start = ? returning count`,
      [amount, key, windowStart],
    );
    return rows.length > 0 ? rows[0].count : null;
  }
}

import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors/app-error';

export interface RateLimitRule {
  limit: number;
  windowSeconds: number;
}

/**
 * Fixed-window counters kept in PostgreSQL, so every API replica enforces one
 * shared budget. One upsert per check: no read-then-write race.
 */
export class RateLimitService {
  async consume(em: EntityManager, key: string, rule: RateLimitRule, action: string): Promise<void> {
    const windowMs = rule.windowSeconds * 1000;
    const windowStart = new Date(Math.floor(Date.now() / windowMs) * windowMs);
    const rows: { count: number }[] = await em.execute(
      `insert into rate_limits (key, window_start, count) values (?, ?, 1)
       on conflict (key) do update set
         count = case when rate_limits.window_start = excluded.window_start then rate_limits.count + 1 else 1 end,
         window_start = excluded.window_start
       returning count`,
      [key, windowStart],
    );
    if (rows[0].count > rule.limit) {
      const retryAfterSeconds = Math.max(1, Math.ceil((windowStart.getTime() + windowMs - Date.now()) / 1000));
      throw new AppError(
        'RATE_LIMITED',
        `Too many ${action} requests: the limit is ${rule.limit} per ${rule.windowSeconds} s. Retry in ${retryAfterSeconds} s.`,
        { retryAfterSeconds, limit: rule.limit, windowSeconds: rule.windowSeconds },
      );
    }
  }
}

import { AppError } from '../../errors/app-error';

export interface RateLimitRule {
  limit: number;
  windowSeconds: number;
}

/** One counter to take from: its key, its rule and the action that error messages name. */
export interface RateLimitCheck {
  key: string;
  rule: RateLimitRule;
  action: string;
}

/**
 * SQL that counts requests before a write in the same statement. `ctes` are
 * common table expressions, `ok` names the one that has a row when every
 * count is within its limit, and `report` is a select list with each count.
 */
export interface CountingSql {
  ctes: string;
  params: unknown[];
  ok: string;
  report: string;
  /** Returns the RATE_LIMITED error for a result row with the `report` columns, or null when no limit was passed. */
  exceeded(result: Record<string, unknown>): AppError | null;
}

/**
 * Fixed-window counters kept in PostgreSQL, so every API replica enforces one
 * shared budget. One upsert per check, inside the statement that does the
 * limited write: no read-then-write race and no round trip of its own.
 */
export class RateLimitService {
  /**
   * Builds SQL that counts `checks` in order. Each check counts only while the
   * ones before it are within their limits, so a request rejected by the first
   * limit spends nothing of the second.
   */
  countingSql(checks: readonly RateLimitCheck[], now = Date.now()): CountingSql {
    const windows = checks.map((check) => {
      const windowMs = check.rule.windowSeconds * 1000;
      return new Date(Math.floor(now / windowMs) * windowMs);
    });
    const ctes: string[] = [];
    const params: unknown[] = [];
    checks.forEach((check, index) => {
      const previous = index === 0 ? '' : `where (select count from rate_${index - 1}) <= ?`;
      ctes.push(`rate_${index} as (
         insert into rate_limits (key, window_start, count) select ?, ?::timestamptz, 1 ${previous}
         on conflict (key) do update set
           count = case when rate_limits.window_start = excluded.window_start then rate_limits.count + 1 else 1 end,
           window_start = excluded.window_start
         returning count
       )`);
      params.push(check.key, windows[index]);
      if (index > 0) params.push(checks[index - 1].rule.limit);
    });
    const last = checks.length - 1;
    ctes.push(`rate_ok as (select 1 where (select count from rate_${last}) <= ?)`);
    params.push(checks[last].rule.limit);

    return {
      ctes: ctes.join(',\n'),
      params,
      ok: 'rate_ok',
      report: checks.map((_, index) => `(select count from rate_${index}) as rate_${index}`).join(', '),
      exceeded: (result) => {
        for (const [index, check] of checks.entries()) {
          const count = result[`rate_${index}`];
          if (count !== null && count !== undefined && Number(count) > check.rule.limit) return limitError(check, windows[index]);
        }
        return null;
      },
    };
  }
}

function limitError(check: RateLimitCheck, windowStart: Date): AppError {
  const { limit, windowSeconds } = check.rule;
  const retryAfterSeconds = Math.max(1, Math.ceil((windowStart.getTime() + windowSeconds * 1000 - Date.now()) / 1000));
  return new AppError(
    'RATE_LIMITED',
    `Too many ${check.action} requests: the limit is ${limit} per ${windowSeconds} s. Retry in ${retryAfterSeconds} s.`,
    { retryAfterSeconds, limit, windowSeconds },
  );
}

import { ObservableQuery } from '@apollo/client';
import { OperatorFunction, map, scan } from 'rxjs';

/** State of a watched query for a page: the last complete data and the latest error. */
export interface QueryState<T> {
  data: T | undefined;
  loading: boolean;
  error: unknown;
}

export const INITIAL_QUERY_STATE: QueryState<never> = { data: undefined, loading: true, error: undefined };

/**
 * Maps watched query results to a `QueryState`. While a refetch is loading (for example after
 * the cache dropped a list), the previous data stays on screen instead of flickering away.
 */
export function toQueryState<TData, T>(
  select: (data: TData) => T,
): OperatorFunction<ObservableQuery.Result<TData>, QueryState<T>> {
  return (results) =>
    results.pipe(
      map((result) => ({
        data: result.dataState === 'complete' ? select(result.data) : undefined,
        loading: result.loading,
        error: result.error,
      })),
      scan((previous: QueryState<T>, next: QueryState<T>) =>
        next.data === undefined && next.loading ? { ...next, data: previous.data } : next,
      ),
    );
}

import { DestroyRef, inject } from '@angular/core';
import { Apollo } from 'apollo-angular';
import { EMPTY, Subscription, catchError, defer, retry, switchMap, timer } from 'rxjs';

import { ConnectivityService } from '../core/connectivity.service';
import { isNetworkFailure } from '../core/error-messages';

/**
 * Delays of the retries when the refetch after reconnecting finds no network yet. Browsers fire
 * `online` as soon as an interface is up, which can be before requests get through.
 */
const RETRY_DELAYS_MS = [1_000, 5_000, 15_000];

/**
 * Refetches every active query when the network returns, so that pages which showed the saved
 * copy offline (and the error of their failed request) get fresh data and fresh image URLs.
 * Call it from an app initializer.
 */
export function refetchActiveQueriesOnReconnect(): void {
  const apollo = inject(Apollo);
  const refetchActive = defer(() => apollo.client.refetchQueries({ include: 'active' }));

  const subscription: Subscription = inject(ConnectivityService)
    .reconnected.pipe(
      // A newer reconnect replaces the retries of the previous one.
      switchMap(() =>
        refetchActive.pipe(
          retry({
            count: RETRY_DELAYS_MS.length,
            delay: (error: unknown, retryCount) => {
              if (!navigator.onLine || !isNetworkFailure(error)) {
                throw error;
              }
              return timer(RETRY_DELAYS_MS[retryCount - 1]);
            },
          }),
          catchError((error: unknown) => {
            console.warn('Refetching the active queries after reconnecting failed.', error);
            return EMPTY;
          }),
        ),
      ),
    )
    .subscribe();
  inject(DestroyRef).onDestroy(() => subscription.unsubscribe());
}

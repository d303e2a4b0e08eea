import { DestroyRef, Injectable, inject } from '@angular/core';
import { SwUpdate } from '@angular/service-worker';

import { ConnectivityService } from './connectivity.service';
import { NoticeService } from './notice.service';

/**
 * Interval of the update checks of a page that stays open. The service worker also checks
 * shortly after every navigation.
 */
const UPDATE_CHECK_INTERVAL_MS = 6 * 60 * 60 * 1000;

/** Tells the user when the service worker has a new version ready or lost its cache. */
@Injectable({ providedIn: 'root' })
export class AppUpdateService {
  private readonly updates = inject(SwUpdate);
  private readonly notices = inject(NoticeService);
  private readonly connectivity = inject(ConnectivityService);
  private readonly destroyRef = inject(DestroyRef);

  start(): void {
    if (!this.updates.isEnabled) {
      return;
    }

    const versions = this.updates.versionUpdates.subscribe((event) => {
      if (event.type === 'VERSION_READY') {
        this.notices.show('A new version of Sidestep is ready. Reload to use it.', 'reload');
      } else if (event.type === 'VERSION_INSTALLATION_FAILED') {
        console.warn(`Installing version ${event.version.hash} of the app failed.`, event.error);
      }
    });

    const unrecoverable = this.updates.unrecoverable.subscribe(() => {
      this.notices.show('Sidestep must reload because part of the app could not be restored.', 'reload');
    });

    // A check that ran while offline failed, so the network's return is a good moment for another.
    const reconnected = this.connectivity.reconnected.subscribe(() => this.checkForUpdate());
    const timer = setInterval(() => this.checkForUpdate(), UPDATE_CHECK_INTERVAL_MS);

    this.destroyRef.onDestroy(() => {
      versions.unsubscribe();
      unrecoverable.unsubscribe();
      reconnected.unsubscribe();
      clearInterval(timer);
    });
  }

  private checkForUpdate(): void {
    this.updates.checkForUpdate().catch((error: unknown) => console.warn('Checking for a new version failed.', error));
  }
}

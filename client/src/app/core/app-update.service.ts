import { Injectable, inject } from '@angular/core';
import { SwUpdate } from '@angular/service-worker';

import { NoticeService } from './notice.service';

/** Tells the user when the service worker has a new version ready or lost its cache. */
@Injectable({ providedIn: 'root' })
export class AppUpdateService {
  private readonly updates = inject(SwUpdate);
  private readonly notices = inject(NoticeService);

  start(): void {
    if (!this.updates.isEnabled) {
      return;
    }

    this.updates.versionUpdates.subscribe((event) => {
      if (event.type === 'VERSION_READY') {
        this.notices.show('A new version of Sidestep is ready. Reload to use it.', 'reload');
      }
    });

    this.updates.unrecoverable.subscribe(() => {
      this.notices.show('Sidestep must reload because part of the app could not be restored.', 'reload');
    });
  }
}

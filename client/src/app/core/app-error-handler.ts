import { ErrorHandler, Injectable, inject } from '@angular/core';

import { NoticeService } from './notice.service';

// Messages that Chromium, Firefox and Safari use when a lazy chunk cannot be loaded. That
// happens offline, or after a deployment removed the chunk that the open page refers to.
const CHUNK_LOAD_FAILURES = [
  'Failed to fetch dynamically imported module',
  'error loading dynamically imported module',
  'Importing a module script failed',
];

/**
 * Global error handler. It turns failures that people can fix (going offline, a stale
 * version of the app) into a banner, and logs everything to the console.
 */
@Injectable()
export class AppErrorHandler implements ErrorHandler {
  private readonly notices = inject(NoticeService);

  handleError(error: unknown): void {
    console.error(error);

    if (isChunkLoadFailure(error)) {
      if (navigator.onLine) {
        this.notices.show('A new version of Sidestep is available. Reload to use it.', 'reload');
      } else {
        this.notices.show('You are offline and this page has not been saved for offline use.');
      }
      return;
    }

    if (!navigator.onLine) {
      this.notices.show('You are offline. Images you have viewed stay available.');
    }
  }
}

function isChunkLoadFailure(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return CHUNK_LOAD_FAILURES.some((text) => message.includes(text));
}

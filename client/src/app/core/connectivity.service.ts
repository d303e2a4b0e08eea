import { DestroyRef, Injectable, inject, signal } from '@angular/core';

/** Tracks whether the browser believes it is online. */
@Injectable({ providedIn: 'root' })
export class ConnectivityService {
  private readonly onlineSignal = signal(navigator.onLine);

  readonly online = this.onlineSignal.asReadonly();

  constructor() {
    const update = (): void => this.onlineSignal.set(navigator.onLine);
    window.addEventListener('online', update);
    window.addEventListener('offline', update);
    inject(DestroyRef).onDestroy(() => {
      window.removeEventListener('online', update);
      window.removeEventListener('offline', update);
    });
  }
}

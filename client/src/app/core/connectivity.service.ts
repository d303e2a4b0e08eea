import { DestroyRef, Injectable, inject, signal } from '@angular/core';
import { Observable, Subject } from 'rxjs';

/** Tracks whether the browser believes it is online, and reports when the network returns. */
@Injectable({ providedIn: 'root' })
export class ConnectivityService {
  private readonly onlineSignal = signal(navigator.onLine);
  private readonly reconnectedSubject = new Subject<void>();

  readonly online = this.onlineSignal.asReadonly();

  /** Emits on every `online` event of the window, after `online()` turned true. */
  readonly reconnected: Observable<void> = this.reconnectedSubject.asObservable();

  constructor() {
    const onOnline = (): void => {
      this.onlineSignal.set(navigator.onLine);
      this.reconnectedSubject.next();
    };
    const onOffline = (): void => this.onlineSignal.set(navigator.onLine);
    window.addEventListener('online', onOnline);
    window.addEventListener('offline', onOffline);
    inject(DestroyRef).onDestroy(() => {
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOffline);
      this.reconnectedSubject.complete();
    });
  }
}

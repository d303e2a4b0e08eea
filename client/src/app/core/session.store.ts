import { DestroyRef, Injectable, inject, signal } from '@angular/core';

const TOKEN_KEY = 'sidestep.token';

/**
 * Bearer token of the signed-in user, kept in localStorage so that a reload or a new tab
 * stays signed in. It has no dependencies so that the Apollo link chain can read it.
 */
@Injectable({ providedIn: 'root' })
export class SessionStore {
  private readonly tokenSignal = signal<string | null>(readToken());

  readonly token = this.tokenSignal.asReadonly();

  constructor() {
    // Another tab that signs in or out changes the token here too.
    const onStorage = (event: StorageEvent): void => {
      if (event.key === TOKEN_KEY || event.key === null) {
        this.tokenSignal.set(readToken());
      }
    };
    window.addEventListener('storage', onStorage);
    inject(DestroyRef).onDestroy(() => window.removeEventListener('storage', onStorage));
  }

  setToken(token: string): void {
    localStorage.setItem(TOKEN_KEY, token);
    this.tokenSignal.set(token);
  }

  clear(): void {
    localStorage.removeItem(TOKEN_KEY);
    this.tokenSignal.set(null);
  }
}

function readToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    // Storage can be disabled by the browser's privacy settings.
    return null;
  }
}

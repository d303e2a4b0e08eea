import { DestroyRef, Injectable, inject } from '@angular/core';
import { ApolloLink, InMemoryCache } from '@apollo/client';
import { finalize } from 'rxjs';

import { SessionStore } from '../core/session.store';

const CACHE_KEY = 'sidestep.apollo-cache';
const SAVE_DELAY_MS = 1000;

/**
 * Keeps the signed-in user's Apollo cache in localStorage, so that the gallery and the images
 * already viewed still render offline. GraphQL queries are POST requests, which the service
 * worker never caches, so this is the only offline copy of the image list.
 */
@Injectable({ providedIn: 'root' })
export class ApolloCachePersistence {
  private readonly session = inject(SessionStore);
  private cache: InMemoryCache | null = null;
  private saveTimer: ReturnType<typeof setTimeout> | null = null;

  constructor() {
    const saveWhenHidden = (): void => {
      if (document.visibilityState === 'hidden') {
        this.save();
      }
    };
    document.addEventListener('visibilitychange', saveWhenHidden);
    inject(DestroyRef).onDestroy(() => document.removeEventListener('visibilitychange', saveWhenHidden));
  }

  /** Fills the cache from the saved copy before any query reads it. */
  restore(cache: InMemoryCache): void {
    this.cache = cache;
    if (!this.session.token()) {
      return;
    }

    const saved = localStorage.getItem(CACHE_KEY);
    if (!saved) {
      return;
    }
    try {
      cache.restore(JSON.parse(saved));
    } catch (error) {
      console.warn('Discarded an unreadable saved Apollo cache.', error);
      localStorage.removeItem(CACHE_KEY);
    }
  }

  /**
   * Link that saves the cache shortly after each operation ends. The delay lets Apollo write
   * the result and run mutation `update` functions first, and batches bursts of operations.
   */
  createLink(): ApolloLink {
    return new ApolloLink((operation, forward) =>
      forward(operation).pipe(finalize(() => this.scheduleSave())),
    );
  }

  /** Deletes the saved copy, for signing out. */
  clear(): void {
    if (this.saveTimer !== null) {
      clearTimeout(this.saveTimer);
      this.saveTimer = null;
    }
    localStorage.removeItem(CACHE_KEY);
  }

  private scheduleSave(): void {
    if (this.saveTimer !== null) {
      return;
    }
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      this.save();
    }, SAVE_DELAY_MS);
  }

  private save(): void {
    if (!this.cache || !this.session.token()) {
      return;
    }
    try {
      localStorage.setItem(CACHE_KEY, JSON.stringify(this.cache.extract()));
    } catch (error) {
      // Usually a QuotaExceededError. The app still works, only without an offline copy.
      console.warn('Could not save the Apollo cache for offline use.', error);
    }
  }
}

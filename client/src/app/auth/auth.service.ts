import { Injectable, computed, effect, inject, untracked } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { Router } from '@angular/router';
import { Apollo } from 'apollo-angular';
import { NetworkStatus } from '@apollo/client';
import { filter, firstValueFrom, map, of, switchMap } from 'rxjs';

import { clearImageCaches } from '../core/image-cache';
import { SessionStore } from '../core/session.store';
import { ApolloCachePersistence } from '../graphql/apollo-cache-persistence';
import type { SignInInput, SignUpInput, Viewer } from '../graphql/graphql-types';
import {
  SIGN_IN_MUTATION,
  SIGN_OUT_MUTATION,
  SIGN_UP_MUTATION,
  VIEWER_QUERY,
} from '../graphql/operations';

/** Signs people in and out and exposes the signed-in viewer. */
@Injectable({ providedIn: 'root' })
export class AuthService {
  private readonly apollo = inject(Apollo);
  private readonly session = inject(SessionStore);
  private readonly persistence = inject(ApolloCachePersistence);
  private readonly router = inject(Router);

  readonly signedIn = computed(() => this.session.token() !== null);

  /** The signed-in user, or null while signed out or before the first response. */
  readonly viewer = toSignal(
    toObservable(this.session.token).pipe(switchMap((token) => (token ? this.watchViewer() : of(null)))),
    { initialValue: null },
  );

  constructor() {
    // Every way a session ends (sign out, rejected token, another tab) clears the same state.
    let previousToken = this.session.token();
    effect(() => {
      const token = this.session.token();
      if (previousToken !== null && token === null) {
        untracked(() => void this.clearSignedInState());
      }
      previousToken = token;
    });
  }

  async signIn(input: SignInInput): Promise<void> {
    const result = await firstValueFrom(
      this.apollo.mutate({ mutation: SIGN_IN_MUTATION, variables: { input } }),
    );
    await this.startSession(result.data?.signIn.token);
  }

  async signUp(input: SignUpInput): Promise<void> {
    const result = await firstValueFrom(
      this.apollo.mutate({ mutation: SIGN_UP_MUTATION, variables: { input } }),
    );
    await this.startSession(result.data?.signUp.token);
  }

  /** Ends the session on the server when it can be reached, and always on this device. */
  async signOut(): Promise<void> {
    try {
      await firstValueFrom(this.apollo.mutate({ mutation: SIGN_OUT_MUTATION }));
    } catch (error) {
      // When the server is unreachable or the token is already invalid, the local session still ends.
      // NOTE: offline, the token stays valid on the server until it expires, but this device no
      // longer stores it.
      console.warn('The signOut mutation failed, so the session ends on this device only.', error);
    }
    this.session.clear();
  }

  private async startSession(token: string | undefined): Promise<void> {
    if (!token) {
      throw new Error('The server did not return a session token. Try again.');
    }
    await this.apollo.client.clearStore();
    this.persistence.clear();
    // Signing out cleared the image caches already, but images still loading then may have been
    // cached afterwards, so they are cleared again before the new session starts.
    await clearImageCaches();
    this.session.setToken(token);
  }

  private watchViewer() {
    return this.apollo
      .watchQuery({ query: VIEWER_QUERY, fetchPolicy: 'cache-and-network' })
      .valueChanges.pipe(
        // Partial and empty results (loading, or an error before any data) keep the last viewer.
        filter((result) => result.dataState === 'complete'),
        map((result) => {
          const viewer: Viewer | null = result.data.viewer;
          const answeredByServer = !result.loading && result.networkStatus === NetworkStatus.ready;
          // The API returns `viewer: null` for a token that it no longer accepts.
          if (answeredByServer && viewer === null) {
            this.session.clear();
          }
          return viewer;
        }),
      );
  }

  /**
   * Deletes what this device keeps of the user who signed out: the persisted Apollo cache, the
   * in-memory cache and the service worker's image caches. The upload queue clears itself
   * (UploadService watches the session too).
   */
  private async clearSignedInState(): Promise<void> {
    this.persistence.clear();
    await this.router.navigateByUrl('/sign-in');
    await this.apollo.client.clearStore();
    await clearImageCaches();
  }
}

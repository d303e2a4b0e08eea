import { DestroyRef, Injectable, inject, signal } from '@angular/core';
import { Apollo, QueryRef } from 'apollo-angular';
import { Observable, firstValueFrom } from 'rxjs';

import { ConnectivityService } from '../core/connectivity.service';

import type { Image, ImageConnection } from '../graphql/graphql-types';
import {
  DELETE_IMAGE_MUTATION,
  IMAGE_QUERY,
  IMAGE_URL_QUERY,
  IMAGES_QUERY,
  ImagesVariables,
  VIEWER_QUERY,
} from '../graphql/operations';
import { QueryState, toQueryState } from '../graphql/query-state';

@Injectable({ providedIn: 'root' })
export class ImageService {
  private readonly apollo = inject(Apollo);
  // Images whose URL was refreshed after a load error and has not loaded since.
  private readonly refreshedUrls = new Set<string>();
  private readonly unavailableOfflineSignal = signal<ReadonlySet<string>>(new Set());

  /**
   * Ids of images that failed to load while offline, because this device never saved them.
   * Pages show a placeholder instead of a broken image. The set empties when the network
   * returns, which re-creates the image elements, and so loads them again.
   */
  readonly unavailableOffline = this.unavailableOfflineSignal.asReadonly();

  constructor() {
    const reconnected = inject(ConnectivityService).reconnected.subscribe(() =>
      this.unavailableOfflineSignal.set(new Set()),
    );
    inject(DestroyRef).onDestroy(() => reconnected.unsubscribe());
  }

  /** Watches the first page of the images the viewer may see. The cache merges later pages into it. */
  watchImages(pageSize: number): QueryRef<{ images: ImageConnection }, ImagesVariables> {
    return this.apollo.watchQuery({
      query: IMAGES_QUERY,
      variables: { first: pageSize },
      fetchPolicy: 'cache-and-network',
      notifyOnNetworkStatusChange: true,
    });
  }

  watchImage(id: string): Observable<QueryState<Image | null>> {
    return this.apollo
      .watchQuery({ query: IMAGE_QUERY, variables: { id }, fetchPolicy: 'cache-and-network' })
      .valueChanges.pipe(toQueryState((data) => data.image));
  }

  async deleteImage(id: string): Promise<void> {
    await firstValueFrom(
      this.apollo.mutate({
        mutation: DELETE_IMAGE_MUTATION,
        variables: { id },
        update: (cache) => {
          cache.evict({ id: cache.identify({ __typename: 'Image', id }) });
          // totalCount and page cursors change too, so the gallery fetches its pages again.
          cache.evict({ id: 'ROOT_QUERY', fieldName: 'images' });
          cache.gc();
        },
        refetchQueries: [VIEWER_QUERY],
      }),
    );
  }

  /**
   * Handles an image that failed to load. Offline, the image is marked unavailable until the
   * network returns. Online, its URL most likely expired while the page stayed open, so a new
   * presigned URL is fetched, once per image until that image loads again, so that a broken
   * object cannot cause a request loop.
   */
  async refreshUrlOnce(id: string): Promise<void> {
    if (!navigator.onLine) {
      this.unavailableOfflineSignal.update((ids) => new Set(ids).add(id));
      return;
    }
    if (this.refreshedUrls.has(id)) {
      return;
    }
    this.refreshedUrls.add(id);
    try {
      await firstValueFrom(
        this.apollo.query({ query: IMAGE_URL_QUERY, variables: { id }, fetchPolicy: 'network-only' }),
      );
    } catch (error) {
      console.warn(`Could not refresh the URL of image ${id}.`, error);
    }
  }

  markLoaded(id: string): void {
    this.refreshedUrls.delete(id);
  }
}


import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';

import { AuthService } from '../auth/auth.service';
import { ConnectivityService } from '../core/connectivity.service';
import { describeError } from '../core/error-messages';
import { INITIAL_QUERY_STATE, toQueryState } from '../graphql/query-state';
import { ImageService } from '../images/image.service';
import { QuotaHintComponent } from '../shared/quota-hint.component';
import { ImageTileComponent } from './image-tile.component';

const PAGE_SIZE = 50;

@Component({
  selector: 'app-gallery-page',
  imports: [ImageTileComponent, QuotaHintComponent, RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page-head">
      <h1>Gallery</h1>
      @if (connection(); as connection) {
        <span class="muted" data-testid="gallery-count">
          {{ connection.totalCount }} {{ connection.totalCount === 1 ? 'image' : 'images' }}
        </span>
      }
      <a class="button primary" routerLink="/upload">Upload</a>
    </div>
    <app-quota-hint [quota]="auth.viewer()?.quota" />

    @if (offline() && connection()) {
      <p class="offline-note" role="status" data-testid="gallery-offline-note">
        You are offline. The gallery shows the copy saved on this device, and images you have not
        viewed yet cannot load.
      </p>
    }
    @if (errorMessage(); as message) {
      <p class="error" role="alert" data-testid="gallery-error">{{ message }}</p>
    }

    @if (connection(); as connection) {
      @if (connection.edges.length === 0) {
        <p class="empty">No images yet. <a routerLink="/upload">Upload your first image.</a></p>
      } @else {
        <ul class="gallery-grid">
          @for (edge of connection.edges; track edge.node.id) {
            <li>
              <app-image-tile
                [image]="edge.node"
                [unavailableOffline]="images.unavailableOffline().has(edge.node.id)"
                (imageLoad)="images.markLoaded($event)"
                (imageError)="images.refreshUrlOnce($event)"
              />
            </li>
          }
        </ul>
      }

      @if (connection.pageInfo.hasNextPage) {
        <div class="load-more">
          <button
            type="button"
            data-testid="gallery-load-more"
            [disabled]="loadingMore() || offline()"
            (click)="loadMore()"
          >
            {{ loadingMore() ? 'Loading…' : 'Load more' }}
          </button>
        </div>
      }
    } @else if (state().loading) {
      <p class="muted">Loading images…</p>
    }
  `,
  styles: `
    .gallery-grid {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(min(100%, 12rem), 1fr));
      gap: 0.75rem;
      margin: 0;
      padding: 0;
      list-style: none;
    }
    .load-more {
      display: flex;
      justify-content: center;
      margin-top: 1.25rem;
    }
    .empty {
      padding: 2rem 0;
      text-align: center;
    }
  `,
})
export class GalleryPageComponent {
  protected readonly auth = inject(AuthService);
  protected readonly images = inject(ImageService);
  private readonly connectivity = inject(ConnectivityService);
  protected readonly offline = computed(() => !this.connectivity.online());

  private readonly queryRef = this.images.watchImages(PAGE_SIZE);

  protected readonly state = toSignal(this.queryRef.valueChanges.pipe(toQueryState((data) => data.images)), {
    initialValue: INITIAL_QUERY_STATE,
  });
  protected readonly connection = computed(() => this.state().data);
  protected readonly loadingMore = signal(false);
  private readonly loadMoreError = signal<unknown>(undefined);

  protected readonly errorMessage = computed(() => {
    const error = this.loadMoreError() ?? this.state().error;
    // Offline with a saved copy on screen, the offline note explains the failed refresh.
    if (!error || (this.offline() && this.connection())) {
      return null;
    }
    return describeError(error);
  });

  protected async loadMore(): Promise<void> {
    const cursor = this.connection()?.pageInfo.endCursor;
    if (!cursor || this.loadingMore()) {
      return;
    }

    this.loadingMore.set(true);
    this.loadMoreError.set(undefined);
    try {
      await this.queryRef.fetchMore({ variables: { after: cursor } });
    } catch (error) {
      this.loadMoreError.set(error);
    } finally {
      this.loadingMore.set(false);
    }
  }
}

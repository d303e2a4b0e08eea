import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { Router, RouterLink } from '@angular/router';
import { switchMap } from 'rxjs';

import { ConnectivityService } from '../core/connectivity.service';
import { describeError } from '../core/error-messages';
import { ImageService } from '../images/image.service';
import { FileSizePipe } from '../shared/file-size.pipe';
import { formatDimensions, imageStatusLabel } from '../shared/image-status';

@Component({
  selector: 'app-image-detail-page',
  imports: [DatePipe, FileSizePipe, RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <p><a routerLink="/gallery">← Back to the gallery</a></p>

    @if (errorMessage(); as message) {
      <p class="error" role="alert" data-testid="image-error">{{ message }}</p>
    }

    @if (image(); as image) {
      <article class="detail" data-testid="image-detail" [attr.data-image-id]="image.id">
        <div class="detail__frame">
          @if (images.unavailableOffline().has(image.id)) {
            <p class="muted" data-testid="image-unavailable-offline">
              This image is not saved on this device. It loads when the connection returns.
            </p>
          } @else if (image.url; as url) {
            <img
              [src]="url"
              crossorigin="anonymous"
              [alt]="image.filename"
              (load)="images.markLoaded(image.id)"
              (error)="images.refreshUrlOnce(image.id)"
            />
          } @else {
            <p class="muted">No preview is available for this image.</p>
          }
        </div>

        <div class="detail__info">
          <h1 class="detail__title">{{ image.filename }}</h1>
          <dl>
            <dt>Type</dt>
            <dd>{{ image.contentType }}</dd>
            <dt>Size</dt>
            <dd>{{ image.byteSize | fileSize }}</dd>
            <dt>Dimensions</dt>
            <dd data-testid="image-dimensions">{{ dimensions() }}</dd>
            <dt>Status</dt>
            <dd>
              <span class="badge" [attr.data-status]="image.status" data-testid="image-status">
                {{ statusLabel() }}
              </span>
            </dd>
            @if (image.rejectionReason) {
              <dt>Rejection reason</dt>
              <dd data-testid="image-rejection-reason">{{ image.rejectionReason }}</dd>
            }
            <dt>Visibility</dt>
            <dd>{{ image.visibility === 'PUBLIC' ? 'Public' : 'Private' }}</dd>
            <dt>Uploaded</dt>
            <dd>{{ image.createdAt | date: 'medium' }}</dd>
          </dl>

          @if (confirmingDelete()) {
            <div class="confirm-delete" role="alertdialog" aria-labelledby="confirm-delete-text" data-testid="confirm-delete">
              <p id="confirm-delete-text">Delete {{ image.filename }}? This cannot be undone.</p>
              <button
                type="button"
                class="danger"
                data-testid="confirm-delete-yes"
                [disabled]="deleting() || offline()"
                (click)="delete(image.id)"
              >
                {{ deleting() ? 'Deleting…' : 'Delete' }}
              </button>
              <button type="button" data-testid="confirm-delete-no" [disabled]="deleting()" (click)="confirmingDelete.set(false)">
                Keep
              </button>
            </div>
          } @else {
            <button
              type="button"
              class="danger"
              data-testid="delete-image"
              [disabled]="offline()"
              (click)="confirmingDelete.set(true)"
            >
              Delete
            </button>
          }
          @if (offline()) {
            <p class="offline-note" role="status" data-testid="image-offline-note">
              You are offline. Deleting needs a connection.
            </p>
          }
        </div>
      </article>
    } @else if (notFound()) {
      <p data-testid="image-not-found">
        This image does not exist, was deleted, or is not visible to you.
      </p>
    } @else {
      <p class="muted">Loading image…</p>
    }
  `,
  styles: `
    .confirm-delete {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.5rem;
    }
    .confirm-delete p {
      flex-basis: 100%;
      margin: 0;
    }
    .detail {
      display: grid;
      grid-template-columns: minmax(0, 2fr) minmax(16rem, 1fr);
      gap: 1.5rem;
      align-items: start;
    }
    @media (max-width: 48rem) {
      .detail {
        grid-template-columns: 1fr;
      }
    }
    .detail__frame {
      display: grid;
      place-items: center;
      min-height: 12rem;
      border-radius: var(--radius);
      background: var(--surface-sunken);
    }
    img {
      max-width: 100%;
      max-height: 80vh;
      object-fit: contain;
    }
    .detail__title {
      margin-top: 0;
      overflow-wrap: anywhere;
    }
    dl {
      display: grid;
      grid-template-columns: auto 1fr;
      gap: 0.4rem 1rem;
      margin: 0 0 1.25rem;
    }
    dt {
      color: var(--text-muted);
    }
    dd {
      margin: 0;
      overflow-wrap: anywhere;
    }
  `,
})
export class ImageDetailPageComponent {
  protected readonly images = inject(ImageService);
  private readonly router = inject(Router);
  private readonly connectivity = inject(ConnectivityService);
  protected readonly offline = computed(() => !this.connectivity.online());

  /** Bound from the `:id` route parameter. */
  readonly id = input.required<string>();

  private readonly state = toSignal(toObservable(this.id).pipe(switchMap((id) => this.images.watchImage(id))));
  protected readonly image = computed(() => this.state()?.data ?? null);
  protected readonly notFound = computed(() => {
    const state = this.state();
    return state !== undefined && !state.loading && state.data === null;
  });
  protected readonly dimensions = computed(() => {
    const image = this.image();
    return image ? formatDimensions(image) : '';
  });
  protected readonly statusLabel = computed(() => {
    const image = this.image();
    return image ? imageStatusLabel(image) : '';
  });

  /** True while the page shows the prompt that confirms a delete. */
  protected readonly confirmingDelete = signal(false);
  protected readonly deleting = signal(false);
  private readonly deleteError = signal<unknown>(undefined);
  protected readonly errorMessage = computed(() => {
    const error = this.deleteError() ?? this.state()?.error;
    // Offline with a saved copy on screen, the offline note explains the failed refresh.
    if (!error || (this.offline() && this.image())) {
      return null;
    }
    return describeError(error);
  });

  protected async delete(id: string): Promise<void> {
    this.deleting.set(true);
    this.deleteError.set(undefined);
    try {
      await this.images.deleteImage(id);
      await this.router.navigateByUrl('/gallery');
    } catch (error) {
      this.deleteError.set(error);
    } finally {
      this.deleting.set(false);
    }
  }
}

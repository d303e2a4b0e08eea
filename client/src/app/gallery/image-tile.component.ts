import { ChangeDetectionStrategy, Component, computed, input, output } from '@angular/core';
import { RouterLink } from '@angular/router';

import type { Image } from '../graphql/graphql-types';
import { FileSizePipe } from '../shared/file-size.pipe';
import { formatDimensions, imageStatusLabel } from '../shared/image-status';

/** A gallery tile linking to the image's detail page. */
@Component({
  selector: 'app-image-tile',
  imports: [FileSizePipe, RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <a
      class="tile"
      data-testid="gallery-item"
      [attr.data-image-id]="image().id"
      [attr.data-status]="image().status"
      [routerLink]="['/images', image().id]"
    >
      <div class="tile__frame">
        @if (unavailableOffline()) {
          <span class="tile__placeholder" data-testid="gallery-unavailable-offline">Not saved for offline use</span>
        } @else if (image().url; as url) {
          <img
            [src]="url"
            crossorigin="anonymous"
            loading="lazy"
            decoding="async"
            [alt]="image().filename"
            (load)="imageLoad.emit(image().id)"
            (error)="imageError.emit(image().id)"
          />
        } @else {
          <span class="tile__placeholder">No preview</span>
        }
      </div>
      <div class="tile__meta">
        <span class="tile__name">{{ image().filename }}</span>
        <span class="tile__details">
          <span data-testid="gallery-dimensions">{{ dimensions() }}</span>
          · {{ image().byteSize | fileSize }}
        </span>
        <span class="badge" [attr.data-status]="image().status" data-testid="gallery-status">{{ statusLabel() }}</span>
      </div>
    </a>
  `,
  styles: `
    .tile {
      display: grid;
      height: 100%;
      overflow: hidden;
      border: 1px solid var(--border);
      border-radius: var(--radius);
      background: var(--surface);
      color: inherit;
      text-decoration: none;
    }
    .tile:hover,
    .tile:focus-visible {
      border-color: var(--accent);
    }
    .tile__frame {
      display: grid;
      place-items: center;
      aspect-ratio: 4 / 3;
      background: var(--surface-sunken);
    }
    img {
      width: 100%;
      height: 100%;
      object-fit: cover;
    }
    .tile__placeholder {
      color: var(--text-muted);
      font-size: 0.9rem;
    }
    .tile__meta {
      display: grid;
      gap: 0.2rem;
      padding: 0.5rem 0.65rem 0.65rem;
      font-size: 0.85rem;
    }
    .tile__name {
      overflow: hidden;
      font-weight: 600;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .tile__details {
      color: var(--text-muted);
    }
    .badge {
      justify-self: start;
    }
  `,
})
export class ImageTileComponent {
  readonly image = input.required<Image>();
  /** True when the image failed to load offline because this device never saved it. */
  readonly unavailableOffline = input(false);
  readonly imageLoad = output<string>();
  readonly imageError = output<string>();

  protected readonly dimensions = computed(() => formatDimensions(this.image()));
  protected readonly statusLabel = computed(() => imageStatusLabel(this.image()));
}

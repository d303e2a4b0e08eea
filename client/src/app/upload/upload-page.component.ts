import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';
import { Apollo } from 'apollo-angular';
import { filter, map } from 'rxjs';

import { AuthService } from '../auth/auth.service';
import { ConnectivityService } from '../core/connectivity.service';
import type { Visibility } from '../graphql/graphql-types';
import { UPLOAD_LIMITS_QUERY } from '../graphql/operations';
import { QuotaHintComponent } from '../shared/quota-hint.component';
import { FileDropZoneComponent } from './file-drop-zone.component';
import { UploadItemComponent } from './upload-item.component';
import { UploadService } from './upload.service';

@Component({
  selector: 'app-upload-page',
  imports: [FileDropZoneComponent, QuotaHintComponent, RouterLink, UploadItemComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Upload images</h1>
    <app-quota-hint [quota]="auth.viewer()?.quota" />

    <fieldset class="visibility">
      <legend>Who can see the new images</legend>
      <label>
        <input
          type="radio"
          name="visibility"
          value="PRIVATE"
          data-testid="visibility-private"
          [checked]="visibility() === 'PRIVATE'"
          (change)="visibility.set('PRIVATE')"
        />
        Private: only you
      </label>
      <label>
        <input
          type="radio"
          name="visibility"
          value="PUBLIC"
          data-testid="visibility-public"
          [checked]="visibility() === 'PUBLIC'"
          (change)="visibility.set('PUBLIC')"
        />
        Public: everyone, after moderation
      </label>
    </fieldset>

    @if (!connectivity.online()) {
      <p class="offline-note" role="status" data-testid="upload-offline-note">
        You are offline. Chosen images wait on this device and upload when the connection returns.
      </p>
    }

    <app-file-drop-zone [maxBytes]="maxBytes()" (filesSelected)="uploads.enqueue($event, visibility())" />

    @if (uploads.items().length > 0) {
      <ul class="upload-list">
        @for (item of uploads.items(); track item.key) {
          <li app-upload-item [item]="item" (cancel)="uploads.cancel($event)" (retry)="uploads.retry($event)"></li>
        }
      </ul>
      <div class="toolbar">
        @if (uploads.hasFinishedItems()) {
          <button type="button" (click)="uploads.clearFinished()">Clear finished</button>
        }
        <a routerLink="/gallery">Open the gallery</a>
      </div>
    }
  `,
  styles: `
    .offline-note {
      margin: 0 0 1rem;
    }
    .visibility {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem 1.5rem;
      margin: 0 0 1rem;
      padding: 0.75rem 1rem;
      border: 1px solid var(--border);
      border-radius: var(--radius);
    }
    .upload-list {
      display: grid;
      gap: 0.5rem;
      margin: 1rem 0;
      padding: 0;
      list-style: none;
    }
    .toolbar {
      display: flex;
      align-items: center;
      gap: 1rem;
    }
  `,
})
export class UploadPageComponent {
  protected readonly auth = inject(AuthService);
  protected readonly uploads = inject(UploadService);
  protected readonly connectivity = inject(ConnectivityService);
  protected readonly visibility = signal<Visibility>('PRIVATE');
  /** The API's per-file limit, from the persisted cache when offline; null until it is known. */
  protected readonly maxBytes = toSignal(
    inject(Apollo)
      .watchQuery({ query: UPLOAD_LIMITS_QUERY, fetchPolicy: 'cache-and-network' })
      .valueChanges.pipe(
        // A failed refresh, offline for example, keeps the limit already shown.
        filter((result) => result.dataState === 'complete'),
        map((result) => result.data.uploadLimits.maxBytes),
      ),
    { initialValue: null },
  );
}

import { ChangeDetectionStrategy, Component, computed, input, output } from '@angular/core';
import { RouterLink } from '@angular/router';

import { FileSizePipe } from '../shared/file-size.pipe';
import type { UploadItem, UploadPhase } from './upload.service';

const STATUS_TEXT: Record<UploadPhase, string> = {
  waiting: 'Waiting',
  offline: 'Waiting for a connection',
  uploading: 'Uploading',
  confirming: 'Confirming',
  done: 'Done',
  rejected: 'Rejected',
  failed: 'Failed',
  canceled: 'Canceled',
};

/** One row of the upload list: name, progress bar, status and the actions that apply. */
@Component({
  selector: 'li[app-upload-item]',
  imports: [FileSizePipe, RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: {
    class: 'upload-item',
    'data-testid': 'upload-item',
    '[attr.data-phase]': 'item().phase',
  },
  template: `
    <div class="upload-item__head">
      <span class="upload-item__name">{{ item().file.name }}</span>
      <span class="upload-item__size">{{ item().file.size | fileSize }}</span>
    </div>
    <progress
      data-testid="upload-progress"
      [attr.max]="progressMax()"
      [attr.value]="item().loadedBytes"
      [attr.data-progress-events]="item().progressEvents"
      [attr.aria-label]="'Upload progress of ' + item().file.name"
    ></progress>
    <div class="upload-item__foot">
      <p class="upload-item__status" data-testid="upload-status" aria-live="polite">
        @if (item().error; as error) {
          <span class="error" data-testid="upload-error">{{ error }}</span>
        } @else {
          {{ statusText() }}
        }
      </p>
      <div class="upload-item__actions">
        @if (item().phase === 'waiting' || item().phase === 'offline' || item().phase === 'uploading') {
          <button type="button" class="link" (click)="cancel.emit(item().key)">Cancel</button>
        }
        @if (item().phase === 'failed' || item().phase === 'canceled') {
          <button type="button" class="link" (click)="retry.emit(item().key)">Retry</button>
        }
        @if (item().phase === 'done' && item().imageId; as imageId) {
          <a [routerLink]="['/images', imageId]">View</a>
        }
      </div>
    </div>
  `,
  styles: `
    :host {
      display: grid;
      gap: 0.35rem;
      padding: 0.75rem;
      border: 1px solid var(--border);
      border-radius: var(--radius);
      background: var(--surface);
    }
    :host([data-phase='done']) {
      border-color: var(--success);
    }
    :host([data-phase='failed']),
    :host([data-phase='rejected']) {
      border-color: var(--danger);
    }
    .upload-item__head,
    .upload-item__foot {
      display: flex;
      justify-content: space-between;
      align-items: baseline;
      gap: 0.75rem;
    }
    .upload-item__name {
      overflow-wrap: anywhere;
      font-weight: 600;
    }
    .upload-item__size {
      flex: none;
      color: var(--text-muted);
      font-size: 0.85rem;
    }
    .upload-item__status {
      margin: 0;
    }
    .upload-item__actions {
      display: flex;
      flex: none;
      gap: 0.75rem;
    }
    progress {
      width: 100%;
    }
  `,
})
export class UploadItemComponent {
  readonly item = input.required<UploadItem>();
  readonly cancel = output<number>();
  readonly retry = output<number>();

  protected readonly statusText = computed(() => STATUS_TEXT[this.item().phase]);
  // A progress element needs a positive max, and an empty file has a size of 0.
  protected readonly progressMax = computed(() => Math.max(this.item().totalBytes, 1));
}

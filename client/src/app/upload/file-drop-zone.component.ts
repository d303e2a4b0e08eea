import { ChangeDetectionStrategy, Component, input, output, signal } from '@angular/core';

import { FileSizePipe } from '../shared/file-size.pipe';

/**
 * Drop zone with a multi-file picker and a camera input for phones. It only reports the chosen
 * files, and the page decides what to do with them.
 */
@Component({
  selector: 'app-file-drop-zone',
  imports: [FileSizePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: {
    class: 'drop-zone',
    'data-testid': 'upload-drop-zone',
    '[class.drop-zone--active]': 'dragDepth() > 0',
    '(dragenter)': 'onDragEnter($event)',
    '(dragover)': 'onDragOver($event)',
    '(dragleave)': 'onDragLeave()',
    '(drop)': 'onDrop($event)',
  },
  template: `
    <p class="drop-zone__hint">Drag and drop images here</p>
    <div class="drop-zone__actions">
      <label class="button primary">
        Choose images
        <input
          class="visually-hidden"
          type="file"
          accept="image/*"
          multiple
          data-testid="upload-input"
          (change)="onPicked($event)"
        />
      </label>
      <!-- capture opens the camera directly on phones; desktop browsers show a file picker. -->
      <label class="button">
        Take a photo
        <input
          class="visually-hidden"
          type="file"
          accept="image/*"
          capture="environment"
          data-testid="upload-camera-input"
          (change)="onPicked($event)"
        />
      </label>
    </div>
    <p class="drop-zone__formats" data-testid="upload-limits">
      JPEG, PNG, WebP, GIF or AVIF{{ maxBytes() ? ', up to ' + (maxBytes() | fileSize) + ' each' : '' }}
    </p>
  `,
  styles: `
    :host {
      display: grid;
      justify-items: center;
      gap: 0.75rem;
      padding: 2rem 1rem;
      border: 2px dashed var(--border-strong);
      border-radius: var(--radius);
      background: var(--surface);
      text-align: center;
      transition: background-color 0.15s, border-color 0.15s;
    }
    :host(.drop-zone--active) {
      border-color: var(--accent);
      background: var(--accent-soft);
    }
    p {
      margin: 0;
    }
    .drop-zone__hint {
      font-weight: 600;
    }
    .drop-zone__actions {
      display: flex;
      flex-wrap: wrap;
      justify-content: center;
      gap: 0.5rem;
    }
    .drop-zone__formats {
      font-size: 0.85rem;
      color: var(--text-muted);
    }
  `,
})
export class FileDropZoneComponent {
  /** Largest file the API accepts, or null until it is known. */
  readonly maxBytes = input<number | null>(null);

  readonly filesSelected = output<File[]>();

  // dragenter and dragleave also fire for child elements, so a counter tracks the real state.
  protected readonly dragDepth = signal(0);

  protected onDragEnter(event: DragEvent): void {
    if (hasFiles(event)) {
      event.preventDefault();
      this.dragDepth.update((depth) => depth + 1);
    }
  }

  protected onDragOver(event: DragEvent): void {
    if (hasFiles(event)) {
      // Without preventDefault the browser opens the dropped file instead of dropping it here.
      event.preventDefault();
      if (event.dataTransfer) {
        event.dataTransfer.dropEffect = 'copy';
      }
    }
  }

  protected onDragLeave(): void {
    this.dragDepth.update((depth) => Math.max(depth - 1, 0));
  }

  protected onDrop(event: DragEvent): void {
    event.preventDefault();
    this.dragDepth.set(0);
    const files = Array.from(event.dataTransfer?.files ?? []);
    if (files.length > 0) {
      this.filesSelected.emit(files);
    }
  }

  protected onPicked(event: Event): void {
    const input = event.target as HTMLInputElement;
    const files = Array.from(input.files ?? []);
    // Clearing the value lets the same file be chosen again after a failure.
    input.value = '';
    if (files.length > 0) {
      this.filesSelected.emit(files);
    }
  }
}

function hasFiles(event: DragEvent): boolean {
  return event.dataTransfer?.types.includes('Files') ?? false;
}

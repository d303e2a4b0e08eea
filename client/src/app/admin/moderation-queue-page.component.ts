import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, computed, inject, signal } from '@angular/core';

import { describeError } from '../core/error-messages';
import { FileSizePipe } from '../shared/file-size.pipe';
import { formatDimensions } from '../shared/image-status';
import type { BulkModerationResult, QueueImage } from './admin-types';
import { ModerationAdminService } from './moderation-admin.service';

const BATCH_SIZE = 10;
/** Maximum length of a rejection reason, in characters, as the API enforces it. */
const REASON_MAX_LENGTH = 500;
const CUSTOM_REASON = 'custom';

/** Reasons moderators give most often; digits 1 to 6 pick them. The owner sees the text. */
export const REASON_PRESETS: readonly string[] = [
  'Nudity or sexual content.',
  'Violence or gore.',
  'Hate speech or harassment.',
  'Spam or advertising.',
  'Personal information is visible.',
  'Copyrighted material shared without permission.',
];

/**
 * The review queue: claims a batch of images for the signed-in moderator, shows one at a time
 * in a large preview and approves or rejects it, alone or in bulk. Keyboard: J and K move,
 * A approves, R rejects, X selects, Shift+A and Shift+R decide the selection, 1 to 6 pick a reason.
 */
@Component({
  selector: 'app-moderation-queue-page',
  imports: [DatePipe, FileSizePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { '(document:keydown)': 'onKeydown($event)' },
  template: `
    <section data-testid="queue-page">
      <div class="page-head">
        <h1>Review queue</h1>
        @if (waiting() !== null) {
          <span class="muted" data-testid="queue-waiting">{{ waiting() }} waiting for review</span>
        }
        <button type="button" data-testid="queue-claim" [disabled]="busy()" (click)="claim()">Claim next batch</button>
        @if (batch().length > 0) {
          <button type="button" data-testid="queue-release" [disabled]="busy()" (click)="releaseAll()">Release batch</button>
        }
      </div>
      @if (leaseExpiresAt(); as expiresAt) {
        <p class="muted" data-testid="queue-lease-expires">
          {{ batch().length === 1 ? 'This image is' : 'These ' + batch().length + ' images are' }} yours until
          {{ expiresAt | date: 'shortTime' }}; then {{ batch().length === 1 ? 'it returns' : 'they return' }} to the queue.
        </p>
      }
      @if (error(); as message) {
        <p class="error" role="alert" data-testid="queue-error">{{ message }}</p>
      }
      @if (notice(); as message) {
        <p role="status" data-testid="queue-notice">{{ message }}</p>
      }

      @if (current(); as image) {
        <div class="layout">
          <ol class="list" aria-label="Claimed images">
            @for (item of batch(); track item.id) {
              <li data-testid="queue-item" [attr.data-image-id]="item.id" [class.current]="item.id === image.id" [attr.aria-current]="item.id === image.id">
                <input
                  type="checkbox"
                  data-testid="queue-item-select"
                  [attr.aria-label]="'Select ' + item.filename"
                  [checked]="selected().has(item.id)"
                  (change)="toggle(item.id)"
                />
                <button type="button" class="link" (click)="currentId.set(item.id)">{{ item.filename }}</button>
              </li>
            }
          </ol>

          <article class="preview" data-testid="queue-preview" [attr.data-image-id]="image.id">
            <div class="frame">
              @if (image.url; as url) {
                <img data-testid="queue-preview-image" [src]="url" crossorigin="anonymous" [alt]="image.filename" />
              } @else {
                <p class="muted">No preview available.</p>
              }
            </div>
            <dl>
              <dt>File</dt>
              <dd data-testid="queue-preview-filename">{{ image.filename }}</dd>
              <dt>Owner</dt>
              <dd>{{ image.owner.displayName }}</dd>
              <dt>Details</dt>
              <dd>{{ dimensions() }} · {{ image.byteSize | fileSize }} · {{ image.contentType }}</dd>
              <dt>Uploaded</dt>
              <dd>{{ image.createdAt | date: 'medium' }}</dd>
              @if (image.automatedCheck; as check) {
                <dt>Automated check</dt>
                <dd data-testid="queue-automated-check">
                  {{ check.classifier }}: {{ check.decision }}
                  @if (check.labels.length > 0) {
                    ({{ check.labels.join(', ') }})
                  }
                  @if (check.score !== null) {
                    , score {{ check.score }}
                  }
                </dd>
              }
            </dl>

            <label>
              Rejection reason
              <select data-testid="queue-reason-preset" (change)="reasonChoice.set($any($event.target).value)">
                @for (preset of presets; track preset; let index = $index) {
                  <option [value]="preset" [selected]="reasonChoice() === preset">{{ index + 1 }}. {{ preset }}</option>
                }
                <option [value]="custom" [selected]="reasonChoice() === custom">Other reason…</option>
              </select>
            </label>
            @if (reasonChoice() === custom) {
              <textarea
                data-testid="queue-reason-text"
                rows="2"
                [attr.maxlength]="reasonMaxLength"
                placeholder="Why is the image rejected? The owner sees this."
                [value]="customReason()"
                (input)="customReason.set($any($event.target).value)"
              ></textarea>
            }
            <div class="actions">
              <button type="button" class="primary" data-testid="queue-approve" [disabled]="busy()" (click)="approveCurrent()">
                Approve <kbd>A</kbd>
              </button>
              <button type="button" class="danger" data-testid="queue-reject" [disabled]="busy()" (click)="rejectCurrent()">
                Reject <kbd>R</kbd>
              </button>
            </div>
          </article>
        </div>

        <div class="bulk">
          <button type="button" data-testid="queue-select-all" (click)="toggleAll()">
            {{ selected().size === batch().length ? 'Select none' : 'Select all' }}
          </button>
          <span data-testid="queue-selected-count">{{ selected().size }} selected</span>
          <button type="button" data-testid="queue-bulk-approve" [disabled]="busy() || selected().size === 0" (click)="approveSelected()">
            Approve selected
          </button>
          <button
            type="button"
            class="danger"
            data-testid="queue-bulk-reject"
            [disabled]="busy() || selected().size === 0"
            (click)="rejectSelected()"
          >
            Reject selected
          </button>
        </div>
        <p class="muted keys" data-testid="queue-shortcuts">
          Keys: <kbd>J</kbd>/<kbd>K</kbd> next/previous, <kbd>A</kbd> approve, <kbd>R</kbd> reject, <kbd>X</kbd> select,
          <kbd>Shift</kbd>+<kbd>A</kbd>/<kbd>R</kbd> decide the selection, <kbd>1</kbd>–<kbd>6</kbd> reason.
        </p>
      } @else if (claimed() && !busy()) {
        <p class="empty" data-testid="queue-empty">Nothing to review right now. Claim again later.</p>
      } @else {
        <p class="muted">Claiming images…</p>
      }
    </section>
  `,
  styles: `
    .layout {
      display: grid;
      grid-template-columns: minmax(12rem, 1fr) minmax(0, 3fr);
      gap: 1rem;
      align-items: start;
    }
    @media (max-width: 48rem) {
      .layout {
        grid-template-columns: 1fr;
      }
    }
    .list {
      display: grid;
      gap: 0.25rem;
      margin: 0;
      padding: 0;
      list-style: none;
    }
    .list li {
      display: flex;
      gap: 0.5rem;
      align-items: center;
      padding: 0.3rem 0.5rem;
      border-radius: var(--radius);
      overflow-wrap: anywhere;
    }
    .list li.current {
      background: var(--accent-soft);
    }
    .preview {
      display: grid;
      gap: 0.75rem;
    }
    .frame {
      display: grid;
      place-items: center;
      min-height: 16rem;
      border-radius: var(--radius);
      background: var(--surface-sunken);
    }
    .frame img {
      max-width: 100%;
      max-height: 65vh;
      object-fit: contain;
    }
    dl {
      display: grid;
      grid-template-columns: auto 1fr;
      gap: 0.25rem 1rem;
      margin: 0;
    }
    dt {
      color: var(--text-muted);
    }
    dd {
      margin: 0;
      overflow-wrap: anywhere;
    }
    textarea,
    select {
      font: inherit;
      padding: 0.4rem;
    }
    .actions,
    .bulk {
      display: flex;
      flex-wrap: wrap;
      gap: 0.75rem;
      align-items: center;
    }
    .bulk {
      margin-top: 1rem;
    }
    .keys {
      font-size: 0.85rem;
    }
    button kbd {
      margin-left: 0.4rem;
      font-size: 0.75rem;
      opacity: 0.8;
    }
  `,
})
export class ModerationQueuePageComponent implements OnInit {
  private readonly moderation = inject(ModerationAdminService);

  protected readonly presets = REASON_PRESETS;
  protected readonly custom = CUSTOM_REASON;
  protected readonly reasonMaxLength = REASON_MAX_LENGTH;

  protected readonly batch = signal<QueueImage[]>([]);
  protected readonly leaseExpiresAt = signal<string | null>(null);
  protected readonly currentId = signal<string | null>(null);
  protected readonly selected = signal<ReadonlySet<string>>(new Set());
  protected readonly reasonChoice = signal<string>(REASON_PRESETS[0]);
  protected readonly customReason = signal('');
  protected readonly waiting = signal<number | null>(null);
  protected readonly claimed = signal(false);
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly notice = signal<string | null>(null);

  protected readonly current = computed(() => {
    const batch = this.batch();
    return batch.find((image) => image.id === this.currentId()) ?? batch[0] ?? null;
  });
  protected readonly dimensions = computed(() => {
    const image = this.current();
    return image ? formatDimensions(image) : '';
  });
  private readonly reason = computed(() =>
    this.reasonChoice() === CUSTOM_REASON ? this.customReason().trim() : this.reasonChoice(),
  );

  ngOnInit(): void {
    void this.claim();
  }

  protected async claim(): Promise<void> {
    await this.run(async () => {
      const batch = await this.moderation.claimBatch(BATCH_SIZE);
      this.batch.set(batch.images);
      this.leaseExpiresAt.set(batch.leaseExpiresAt);
      this.selected.set(new Set());
      this.currentId.set(batch.images[0]?.id ?? null);
      this.claimed.set(true);
    });
    await this.refreshWaiting();
  }

  protected async releaseAll(): Promise<void> {
    await this.run(async () => {
      await this.moderation.releaseClaims(this.batch().map((image) => image.id));
      this.batch.set([]);
      this.leaseExpiresAt.set(null);
      this.selected.set(new Set());
      this.notice.set('The batch went back to the queue.');
    });
    await this.refreshWaiting();
  }

  protected async approveCurrent(): Promise<void> {
    const image = this.current();
    if (!image) {
      return;
    }
    const decided = await this.run(() => this.moderation.approve(image.id));
    if (decided) {
      await this.afterDecision([image.id], `Approved ${image.filename}.`);
    }
  }

  protected async rejectCurrent(): Promise<void> {
    const image = this.current();
    const reason = this.validReason();
    if (!image || reason === null) {
      return;
    }
    const decided = await this.run(() => this.moderation.reject(image.id, reason));
    if (decided) {
      await this.afterDecision([image.id], `Rejected ${image.filename}.`);
    }
  }

  protected async approveSelected(): Promise<void> {
    const ids = [...this.selected()];
    if (ids.length === 0) {
      return;
    }
    let result: BulkModerationResult | undefined;
    await this.run(async () => {
      result = await this.moderation.approveMany(ids);
    });
    if (result) {
      await this.afterBulk(result, 'Approved');
    }
  }

  protected async rejectSelected(): Promise<void> {
    const ids = [...this.selected()];
    const reason = this.validReason();
    if (ids.length === 0 || reason === null) {
      return;
    }
    let result: BulkModerationResult | undefined;
    await this.run(async () => {
      result = await this.moderation.rejectMany(ids, reason);
    });
    if (result) {
      await this.afterBulk(result, 'Rejected');
    }
  }

  protected toggle(id: string): void {
    const next = new Set(this.selected());
    if (!next.delete(id)) {
      next.add(id);
    }
    this.selected.set(next);
  }

  protected toggleAll(): void {
    const all = this.batch().map((image) => image.id);
    this.selected.set(this.selected().size === all.length ? new Set() : new Set(all));
  }

  protected onKeydown(event: KeyboardEvent): void {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || isTypingTarget(event.target)) {
      return;
    }
    const preset = Number(event.key);
    if (Number.isInteger(preset) && preset >= 1 && preset <= REASON_PRESETS.length) {
      this.reasonChoice.set(REASON_PRESETS[preset - 1]);
      event.preventDefault();
      return;
    }

    const actions: Record<string, () => void> = {
      j: () => this.move(1),
      k: () => this.move(-1),
      a: () => void this.approveCurrent(),
      r: () => void this.rejectCurrent(),
      x: () => this.current() && this.toggle(this.current()!.id),
      A: () => void this.approveSelected(),
      R: () => void this.rejectSelected(),
    };
    const action = actions[event.key];
    if (action && !this.busy()) {
      event.preventDefault();
      action();
    }
  }

  private move(step: number): void {
    const batch = this.batch();
    const index = batch.findIndex((image) => image.id === this.current()?.id);
    const next = batch[Math.min(Math.max(index + step, 0), batch.length - 1)];
    if (next) {
      this.currentId.set(next.id);
    }
  }

  /** Returns the chosen reason, or null after showing why it cannot be sent. */
  private validReason(): string | null {
    const reason = this.reason();
    if (!reason) {
      this.error.set('Choose a rejection reason or write one. The owner sees it.');
      return null;
    }
    if (reason.length > REASON_MAX_LENGTH) {
      this.error.set(`The rejection reason has ${reason.length} characters; the maximum is ${REASON_MAX_LENGTH}.`);
      return null;
    }
    return reason;
  }

  private async afterBulk(result: BulkModerationResult, verb: string): Promise<void> {
    const skipped = result.skipped.map((entry) => entry.message).join(' ');
    const summary = `${verb} ${result.images.length} ${result.images.length === 1 ? 'image' : 'images'}.`;
    // Skipped images were decided by someone else or are held by another moderator: drop them too.
    await this.afterDecision([...result.images.map((image) => image.id), ...result.skipped.map((entry) => entry.id)], summary);
    if (skipped) {
      this.notice.set(`${summary} Skipped: ${skipped}`);
    }
  }

  /** Drops decided images from the batch, moves to the next one and claims more when the batch is done. */
  private async afterDecision(ids: string[], message: string): Promise<void> {
    const decided = new Set(ids);
    const batch = this.batch();
    const index = batch.findIndex((image) => image.id === this.current()?.id);
    const remaining = batch.filter((image) => !decided.has(image.id));
    this.batch.set(remaining);
    this.selected.set(new Set([...this.selected()].filter((id) => !decided.has(id))));
    this.currentId.set(remaining[Math.min(Math.max(index, 0), remaining.length - 1)]?.id ?? null);
    this.notice.set(message);
    if (remaining.length === 0) {
      await this.claim();
      this.notice.set(message);
    } else {
      await this.refreshWaiting();
    }
  }

  private async refreshWaiting(): Promise<void> {
    try {
      this.waiting.set((await this.moderation.queue(1)).totalCount);
    } catch (error) {
      console.warn('Could not count the images waiting for review.', error);
    }
  }

  /** Runs one API call with the busy flag and error display; returns whether it succeeded. */
  private async run(call: () => Promise<unknown>): Promise<boolean> {
    this.busy.set(true);
    this.error.set(null);
    this.notice.set(null);
    try {
      await call();
      return true;
    } catch (error) {
      this.error.set(describeError(error));
      return false;
    } finally {
      this.busy.set(false);
    }
  }
}

function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) {
    return false;
  }
  if (target instanceof HTMLInputElement) {
    return !['checkbox', 'radio', 'button', 'submit'].includes(target.type);
  }
  return target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}

import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';

import type { Quota } from '../graphql/graphql-types';
import { FileSizePipe } from './file-size.pipe';

/** Storage used against the viewer's quota. It renders nothing when the API sends no quota. */
@Component({
  selector: 'app-quota-hint',
  imports: [FileSizePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (quota(); as quota) {
      <section class="quota" data-testid="quota-hint" aria-label="Storage quota">
        <meter min="0" [max]="quota.limitBytes" [value]="quota.usedBytes + quota.reservedBytes"></meter>
        <p>
          {{ quota.usedBytes | fileSize }} of {{ quota.limitBytes | fileSize }} used,
          {{ quota.usedCount }} of {{ quota.limitCount }} stored images.
          @if (quota.reservedBytes > 0) {
            {{ quota.reservedBytes | fileSize }} is reserved for uploads in progress.
          }
        </p>
        @if (nearlyFull()) {
          <p class="warning">Your storage is nearly full. Delete images you no longer need to make room.</p>
        }
      </section>
    }
  `,
  styles: `
    .quota {
      display: grid;
      gap: 0.25rem;
      margin-block: 0 1rem;
      font-size: 0.9rem;
      color: var(--text-muted);
    }
    meter {
      width: 100%;
      max-width: 24rem;
    }
    p {
      margin: 0;
    }
    .warning {
      color: var(--warning);
    }
  `,
})
export class QuotaHintComponent {
  readonly quota = input<Quota | null | undefined>(null);

  protected readonly nearlyFull = computed(() => {
    const quota = this.quota();
    if (!quota) {
      return false;
    }
    const bytesShare = (quota.usedBytes + quota.reservedBytes) / Math.max(quota.limitBytes, 1);
    const countShare = quota.usedCount / Math.max(quota.limitCount, 1);
    return Math.max(bytesShare, countShare) >= 0.9;
  });
}

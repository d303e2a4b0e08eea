import { ChangeDetectionStrategy, Component, computed, input, linkedSignal, output } from '@angular/core';

import { FileSizePipe } from '../shared/file-size.pipe';
import type { AdminUser, Role } from './admin-types';

const MIB = 1024 * 1024;
export const ROLES: readonly Role[] = ['USER', 'MODERATOR', 'ADMIN'];

/** The changes an admin saves for one user; unchanged parts are left out. */
export interface UserChange {
  userId: string;
  role?: Role;
  quota?: { limitBytes: number; limitCount: number };
}

/** One editable row of the users table: role and quota limits, saved together. */
@Component({
  selector: 'tr[app-user-row]',
  imports: [FileSizePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { 'data-testid': 'user-row', '[attr.data-user-id]': 'user().id' },
  template: `
    <td>
      <strong>{{ user().displayName }}</strong>
      <div class="muted" data-testid="user-email">{{ user().email }}</div>
    </td>
    <td>
      <select
        data-testid="user-role-select"
        [attr.aria-label]="'Role of ' + user().displayName"
        [disabled]="isViewer() || saving()"
        [title]="isViewer() ? 'Another admin must change your role.' : ''"
        (change)="role.set($any($event.target).value)"
      >
        @for (option of roles; track option) {
          <option [value]="option" [selected]="option === role()">{{ option }}</option>
        }
      </select>
    </td>
    <td>
      @if (user().quota; as quota) {
        <label class="quota">
          <input
            type="number"
            min="0"
            step="any"
            data-testid="user-quota-mib"
            [attr.aria-label]="'Storage limit of ' + user().displayName + ' in MiB'"
            [value]="limitMib()"
            (input)="limitMib.set($any($event.target).value)"
          />
          MiB
        </label>
        <div class="muted">{{ quota.usedBytes | fileSize }} used</div>
      }
    </td>
    <td>
      @if (user().quota; as quota) {
        <input
          type="number"
          min="0"
          step="1"
          data-testid="user-quota-count"
          [attr.aria-label]="'Image limit of ' + user().displayName"
          [value]="limitCount()"
          (input)="limitCount.set($any($event.target).value)"
        />
        <div class="muted">{{ quota.usedCount }} stored</div>
      }
    </td>
    <td>
      <button type="button" class="primary" data-testid="user-save" [disabled]="!dirty() || saving()" (click)="submit()">
        {{ saving() ? 'Saving…' : 'Save' }}
      </button>
      @if (message(); as text) {
        <div [class.error]="failed()" data-testid="user-row-message" role="status">{{ text }}</div>
      }
    </td>
  `,
  styles: `
    td {
      padding: 0.5rem;
      border-bottom: 1px solid var(--border);
      vertical-align: top;
    }
    input[type='number'] {
      width: 7rem;
      padding: 0.3rem;
      font: inherit;
    }
    select {
      padding: 0.3rem;
      font: inherit;
    }
    .quota {
      display: inline-flex;
      gap: 0.3rem;
      align-items: center;
    }
  `,
})
export class UserRowComponent {
  readonly user = input.required<AdminUser>();
  readonly isViewer = input(false);
  readonly saving = input(false);
  readonly message = input<string | null>(null);
  readonly failed = input(false);
  readonly save = output<UserChange>();

  protected readonly roles = ROLES;
  protected readonly role = linkedSignal<Role>(() => this.user().role);
  protected readonly limitMib = linkedSignal(() => String(round((this.user().quota?.limitBytes ?? 0) / MIB)));
  protected readonly limitCount = linkedSignal(() => String(this.user().quota?.limitCount ?? 0));

  private readonly quota = computed(() => ({
    limitBytes: Math.round(Number(this.limitMib()) * MIB),
    limitCount: Number(this.limitCount()),
  }));
  protected readonly dirty = computed(() => {
    const quota = this.user().quota;
    return (
      this.role() !== this.user().role ||
      (quota !== null &&
        (Math.abs(this.quota().limitBytes - quota.limitBytes) >= MIB / 100 || this.quota().limitCount !== quota.limitCount))
    );
  });

  protected submit(): void {
    const user = this.user();
    const change: UserChange = { userId: user.id };
    if (this.role() !== user.role) {
      change.role = this.role();
    }
    const quota = this.quota();
    if (user.quota && (quota.limitBytes !== user.quota.limitBytes || quota.limitCount !== user.quota.limitCount)) {
      change.quota = quota;
    }
    this.save.emit(change);
  }
}

/** Rounds to two decimals, so a limit in MiB reads cleanly. */
function round(value: number): number {
  return Math.round(value * 100) / 100;
}

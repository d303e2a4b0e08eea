import { ChangeDetectionStrategy, Component, OnInit, computed, inject, signal } from '@angular/core';

import { AuthService } from '../auth/auth.service';
import { describeError } from '../core/error-messages';
import type { AdminUser, ModerationSettings, RoleDefinition } from './admin-types';
import { ModerationAdminService } from './moderation-admin.service';
import { CLIENT_PERMISSIONS, type WithPermissions } from './permissions';
import { UserChange, UserRowComponent } from './user-row.component';

const PAGE_SIZE = 50;

interface RowStatus {
  saving: boolean;
  message: string | null;
  failed: boolean;
}

/** Accounts with their roles and quotas, and the moderation settings. Admins only. */
@Component({
  selector: 'app-users-page',
  imports: [UserRowComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section data-testid="users-page">
      <div class="page-head">
        <h1>Users</h1>
        @if (totalCount() !== null) {
          <span class="muted" data-testid="users-count">{{ totalCount() }} accounts</span>
        }
      </div>

      @if (canManageSettings()) {
        <section class="card settings" aria-labelledby="settings-title">
          <h2 id="settings-title">Moderation settings</h2>
          <label class="check">
            <input
              type="checkbox"
              data-testid="settings-moderators-see-private"
              [checked]="settings()?.moderatorsSeePrivateImages ?? false"
              [disabled]="settings() === null || savingSettings()"
              (change)="updateSettings($any($event.target).checked)"
            />
            Moderators may see private images
          </label>
          <p class="muted">Off by default. When on, moderators and admins see every user's private and processing images.</p>
          @if (settingsError(); as message) {
            <p class="error" role="alert" data-testid="settings-error">{{ message }}</p>
          }
        </section>
      }

      @if (roles().length > 0) {
        <dl class="roles" data-testid="roles-legend">
          @for (definition of roles(); track definition.role) {
            <dt>{{ definition.role }}</dt>
            <dd>{{ definition.permissions.join(', ') }}</dd>
          }
        </dl>
      }

      <form class="search" role="search" (submit)="$event.preventDefault(); search(searchInput.value)">
        <input #searchInput type="text" data-testid="users-search" placeholder="Email address or name" aria-label="Search users" />
        <button type="submit" data-testid="users-search-submit">Search</button>
      </form>

      @if (error(); as message) {
        <p class="error" role="alert" data-testid="users-error">{{ message }}</p>
      }

      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Role</th>
              <th scope="col">Storage limit</th>
              <th scope="col">Image limit</th>
              <th scope="col"><span class="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            @for (user of users(); track user.id) {
              <tr
                app-user-row
                [user]="user"
                [isViewer]="user.id === viewerId()"
                [saving]="status()[user.id]?.saving ?? false"
                [message]="status()[user.id]?.message ?? null"
                [failed]="status()[user.id]?.failed ?? false"
                (save)="save($event)"
              ></tr>
            } @empty {
              @if (!loading()) {
                <tr>
                  <td colspan="5" class="muted" data-testid="users-empty">No accounts match.</td>
                </tr>
              }
            }
          </tbody>
        </table>
      </div>

      @if (endCursor()) {
        <div class="more">
          <button type="button" data-testid="users-load-more" [disabled]="loading()" (click)="load(false)">
            {{ loading() ? 'Loading…' : 'Load more' }}
          </button>
        </div>
      }
    </section>
  `,
  styles: `
    .settings {
      margin-bottom: 1rem;
      padding: 1rem;
    }
    .settings h2 {
      margin: 0 0 0.5rem;
      font-size: 1.1rem;
    }
    .check {
      display: inline-flex;
      gap: 0.5rem;
      align-items: center;
    }
    .roles {
      display: grid;
      grid-template-columns: auto 1fr;
      gap: 0.2rem 1rem;
      font-size: 0.85rem;
    }
    .roles dd {
      margin: 0;
      color: var(--text-muted);
    }
    .search {
      display: flex;
      gap: 0.5rem;
      max-width: 32rem;
      margin-bottom: 1rem;
    }
    .scroll {
      overflow-x: auto;
    }
    table {
      width: 100%;
      border-collapse: collapse;
    }
    th,
    td {
      padding: 0.5rem;
      border-bottom: 1px solid var(--border);
      text-align: left;
      vertical-align: top;
    }
    .more {
      display: flex;
      justify-content: center;
      margin-top: 1rem;
    }
  `,
})
export class UsersPageComponent implements OnInit {
  private readonly admin = inject(ModerationAdminService);
  private readonly auth = inject(AuthService);

  protected readonly users = signal<AdminUser[]>([]);
  protected readonly totalCount = signal<number | null>(null);
  protected readonly endCursor = signal<string | null>(null);
  protected readonly searchTerm = signal<string | null>(null);
  protected readonly loading = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly status = signal<Record<string, RowStatus>>({});
  protected readonly roles = signal<RoleDefinition[]>([]);
  protected readonly settings = signal<ModerationSettings | null>(null);
  protected readonly savingSettings = signal(false);
  protected readonly settingsError = signal<string | null>(null);

  protected readonly viewerId = computed(() => this.auth.viewer()?.id ?? null);
  protected readonly canManageSettings = computed(() =>
    ((this.auth.viewer() as WithPermissions | null)?.permissions ?? []).includes(CLIENT_PERMISSIONS.MANAGE_SETTINGS),
  );

  ngOnInit(): void {
    void this.load(true);
    void this.loadRolesAndSettings();
  }

  protected search(term: string): void {
    this.searchTerm.set(term.trim() || null);
    void this.load(true);
  }

  /** Loads the first page (`restart`) or the page after the last one shown. */
  protected async load(restart: boolean): Promise<void> {
    this.loading.set(true);
    this.error.set(null);
    try {
      const page = await this.admin.users(PAGE_SIZE, restart ? null : this.endCursor(), this.searchTerm());
      const nodes = page.edges.map((edge) => edge.node);
      this.users.set(restart ? nodes : [...this.users(), ...nodes]);
      this.totalCount.set(page.totalCount);
      this.endCursor.set(page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null);
    } catch (error) {
      this.error.set(describeError(error));
    } finally {
      this.loading.set(false);
    }
  }

  protected async save(change: UserChange): Promise<void> {
    this.setStatus(change.userId, { saving: true, message: null, failed: false });
    try {
      if (change.role) {
        this.replaceUser(await this.admin.changeRole(change.userId, change.role));
      }
      if (change.quota) {
        this.replaceUser(await this.admin.changeQuota(change.userId, change.quota.limitBytes, change.quota.limitCount));
      }
      this.setStatus(change.userId, { saving: false, message: 'Saved.', failed: false });
    } catch (error) {
      this.setStatus(change.userId, { saving: false, message: describeError(error), failed: true });
    }
  }

  protected async updateSettings(moderatorsSeePrivateImages: boolean): Promise<void> {
    this.savingSettings.set(true);
    this.settingsError.set(null);
    try {
      this.settings.set(await this.admin.updateModerationSettings(moderatorsSeePrivateImages));
    } catch (error) {
      this.settingsError.set(describeError(error));
    } finally {
      this.savingSettings.set(false);
    }
  }

  private async loadRolesAndSettings(): Promise<void> {
    try {
      this.roles.set(await this.admin.roles());
      if (this.canManageSettings()) {
        this.settings.set(await this.admin.moderationSettings());
      }
    } catch (error) {
      this.settingsError.set(describeError(error));
    }
  }

  private replaceUser(saved: AdminUser): void {
    this.users.set(this.users().map((user) => (user.id === saved.id ? saved : user)));
  }

  private setStatus(userId: string, status: RowStatus): void {
    this.status.set({ ...this.status(), [userId]: status });
  }
}

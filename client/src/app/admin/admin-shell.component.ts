import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';

import { AuthService } from '../auth/auth.service';
import { CLIENT_PERMISSIONS, type WithPermissions } from './permissions';

/** Frame of the admin area: tabs for the pages the viewer's permissions open. */
@Component({
  selector: 'app-admin-shell',
  imports: [RouterLink, RouterLinkActive, RouterOutlet],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <nav class="admin-nav" aria-label="Admin" data-testid="admin-nav">
      @if (can(permissions.MODERATE_IMAGES)) {
        <a routerLink="queue" routerLinkActive="active" data-testid="admin-nav-queue">Review queue</a>
      }
      @if (can(permissions.READ_AUDIT_LOG)) {
        <a routerLink="audit-log" routerLinkActive="active" data-testid="admin-nav-audit-log">Audit log</a>
      }
      @if (can(permissions.MANAGE_USERS)) {
        <a routerLink="users" routerLinkActive="active" data-testid="admin-nav-users">Users</a>
      }
    </nav>
    <router-outlet />
  `,
  styles: `
    .admin-nav {
      display: flex;
      gap: 1.25rem;
      margin-bottom: 1.25rem;
      border-bottom: 1px solid var(--border);
    }
    .admin-nav a {
      padding: 0.4rem 0;
      color: var(--text);
      text-decoration: none;
    }
    .admin-nav a.active {
      border-bottom: 2px solid var(--accent);
      color: var(--accent);
      font-weight: 600;
    }
  `,
})
export class AdminShellComponent {
  private readonly auth = inject(AuthService);
  protected readonly permissions = CLIENT_PERMISSIONS;
  private readonly granted = computed(() => (this.auth.viewer() as WithPermissions | null)?.permissions ?? []);

  protected can(permission: string): boolean {
    return this.granted().includes(permission);
  }
}

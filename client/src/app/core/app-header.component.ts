import { ChangeDetectionStrategy, Component, computed, input, output } from '@angular/core';
import { RouterLink, RouterLinkActive } from '@angular/router';

import { ADMIN_AREA_PERMISSIONS, hasAnyPermission, type WithPermissions } from '../admin/permissions';
import type { Viewer } from '../graphql/graphql-types';

@Component({
  selector: 'app-header',
  imports: [RouterLink, RouterLinkActive],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { class: 'app-header' },
  template: `
    <div class="app-header__inner">
      <a class="brand" routerLink="/">Sidestep</a>
      <nav aria-label="Main">
        @if (signedIn()) {
          <a routerLink="/gallery" routerLinkActive="active">Gallery</a>
          <a routerLink="/upload" routerLinkActive="active">Upload</a>
          @if (showAdmin()) {
            <a routerLink="/admin" routerLinkActive="active" data-testid="nav-admin">Admin</a>
          }
        } @else {
          <a routerLink="/sign-in" routerLinkActive="active">Sign in</a>
          <a routerLink="/sign-up" routerLinkActive="active">Sign up</a>
        }
      </nav>
      <div class="session">
        @if (canInstall()) {
          <button type="button" data-testid="install-app" (click)="install.emit()">Install</button>
        }
        @if (!online()) {
          <span
            class="badge offline"
            data-testid="offline-badge"
            title="You are offline. Saved images stay visible, uploads wait for the connection, and other changes are disabled."
          >Offline</span>
        }
        @if (signedIn()) {
          <span class="viewer-name" data-testid="viewer-name">{{ viewer()?.displayName }}</span>
          <button type="button" data-testid="sign-out" (click)="signOut.emit()">Sign out</button>
        }
      </div>
    </div>
  `,
  styles: `
    :host {
      display: block;
      border-bottom: 1px solid var(--border);
      background: var(--surface);
    }
    .app-header__inner {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.5rem 1.25rem;
      max-width: var(--page-width);
      margin: 0 auto;
      padding: 0.6rem 1rem;
    }
    .brand {
      color: var(--accent);
      font-size: 1.2rem;
      font-weight: 700;
      text-decoration: none;
    }
    nav {
      display: flex;
      gap: 1rem;
    }
    nav a {
      color: var(--text);
      text-decoration: none;
    }
    nav a.active {
      color: var(--accent);
      font-weight: 600;
    }
    .session {
      display: flex;
      align-items: center;
      gap: 0.75rem;
      margin-left: auto;
    }
    .viewer-name {
      font-weight: 600;
    }
  `,
})
export class AppHeaderComponent {
  readonly signedIn = input(false);
  readonly viewer = input<(Viewer & WithPermissions) | null>(null);
  readonly online = input(true);
  /** True when the browser offers to install the app, which shows an Install button. */
  readonly canInstall = input(false);
  readonly signOut = output<void>();
  readonly install = output<void>();

  /** Moderators and admins get a link to the admin area, decided by permissions, not role names. */
  protected readonly showAdmin = computed(() => hasAnyPermission(this.viewer()?.permissions, ADMIN_AREA_PERMISSIONS));
}

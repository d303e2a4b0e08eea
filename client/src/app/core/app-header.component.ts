import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';
import { RouterLink, RouterLinkActive } from '@angular/router';

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
        } @else {
          <a routerLink="/sign-in" routerLinkActive="active">Sign in</a>
          <a routerLink="/sign-up" routerLinkActive="active">Sign up</a>
        }
      </nav>
      <div class="session">
        @if (!online()) {
          <span class="badge offline" data-testid="offline-badge">Offline</span>
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
  readonly viewer = input<Viewer | null>(null);
  readonly online = input(true);
  readonly signOut = output<void>();
}

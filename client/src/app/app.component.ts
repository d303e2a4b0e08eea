import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { RouterOutlet } from '@angular/router';

import { AuthService } from './auth/auth.service';
import { AppHeaderComponent } from './core/app-header.component';
import { ConnectivityService } from './core/connectivity.service';
import { InstallPromptService } from './core/install-prompt.service';
import { NoticeService } from './core/notice.service';

@Component({
  selector: 'app-root',
  imports: [AppHeaderComponent, RouterOutlet],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <app-header
      [signedIn]="auth.signedIn()"
      [viewer]="auth.viewer()"
      [online]="connectivity.online()"
      [canInstall]="installPrompt.canInstall()"
      (signOut)="auth.signOut()"
      (install)="installPrompt.install()"
    />
    @if (notices.notice(); as notice) {
      <div class="notice" role="status" data-testid="notice">
        <span>{{ notice.message }}</span>
        @if (notice.action === 'reload') {
          <button type="button" class="primary" data-testid="notice-reload" (click)="reload()">Reload</button>
        }
        <button type="button" class="link" aria-label="Dismiss" (click)="notices.dismiss()">Dismiss</button>
      </div>
    }
    <main class="page">
      <router-outlet />
    </main>
  `,
})
export class AppComponent {
  protected readonly auth = inject(AuthService);
  protected readonly connectivity = inject(ConnectivityService);
  protected readonly installPrompt = inject(InstallPromptService);
  protected readonly notices = inject(NoticeService);

  protected reload(): void {
    location.reload();
  }
}

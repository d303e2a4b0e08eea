import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { Router, RouterLink } from '@angular/router';

import { ConnectivityService } from '../core/connectivity.service';
import { describeError } from '../core/error-messages';
import { AuthService } from './auth.service';
import { safeReturnUrl } from './return-url';

@Component({
  selector: 'app-sign-in-page',
  imports: [ReactiveFormsModule, RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="card auth-card">
      <h1>Sign in</h1>
      <form [formGroup]="form" (ngSubmit)="submit()" novalidate>
        <label>
          Email
          <input type="email" name="email" formControlName="email" autocomplete="email" required />
        </label>
        <label>
          Password
          <input
            type="password"
            name="password"
            formControlName="password"
            autocomplete="current-password"
            required
          />
        </label>
        @if (!connectivity.online()) {
          <p class="offline-note" role="status" data-testid="auth-offline-note">
            You are offline. Signing in needs a connection.
          </p>
        }
        @if (error(); as message) {
          <p class="error" role="alert" data-testid="auth-error">{{ message }}</p>
        }
        <button type="submit" class="primary" data-testid="sign-in-submit" [disabled]="submitting() || !connectivity.online()">
          {{ submitting() ? 'Signing in…' : 'Sign in' }}
        </button>
      </form>
      <p>New to Sidestep? <a routerLink="/sign-up" [queryParams]="{ returnUrl: returnUrl() }">Create an account</a></p>
    </section>
  `,
})
export class SignInPageComponent {
  private readonly auth = inject(AuthService);
  private readonly router = inject(Router);
  protected readonly connectivity = inject(ConnectivityService);

  /** Bound from the `returnUrl` query parameter. */
  readonly returnUrl = input<string | null>(null);

  protected readonly submitting = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly form = inject(NonNullableFormBuilder).group({
    email: ['', [Validators.required, Validators.email]],
    password: ['', Validators.required],
  });

  protected async submit(): Promise<void> {
    if (this.form.invalid) {
      this.error.set('Enter a valid email address and your password.');
      return;
    }

    this.submitting.set(true);
    this.error.set(null);
    try {
      await this.auth.signIn(this.form.getRawValue());
      await this.router.navigateByUrl(safeReturnUrl(this.returnUrl()));
    } catch (error) {
      this.error.set(describeError(error));
    } finally {
      this.submitting.set(false);
    }
  }
}

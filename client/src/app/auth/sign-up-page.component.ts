import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { Router, RouterLink } from '@angular/router';

import { ConnectivityService } from '../core/connectivity.service';
import { describeError } from '../core/error-messages';
import { AuthService } from './auth.service';
import { safeReturnUrl } from './return-url';

@Component({
  selector: 'app-sign-up-page',
  imports: [ReactiveFormsModule, RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="card auth-card">
      <h1>Create an account</h1>
      <form [formGroup]="form" (ngSubmit)="submit()" novalidate>
        <label>
          Display name
          <input type="text" name="displayName" formControlName="displayName" autocomplete="nickname" required />
        </label>
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
            autocomplete="new-password"
            required
          />
        </label>
        @if (!connectivity.online()) {
          <p class="offline-note" role="status" data-testid="auth-offline-note">
            You are offline. Creating an account needs a connection.
          </p>
        }
        @if (error(); as message) {
          <p class="error" role="alert" data-testid="auth-error">{{ message }}</p>
        }
        <button type="submit" class="primary" data-testid="sign-up-submit" [disabled]="submitting() || !connectivity.online()">
          {{ submitting() ? 'Creating account…' : 'Create account' }}
        </button>
      </form>
      <p>Already have an account? <a routerLink="/sign-in" [queryParams]="{ returnUrl: returnUrl() }">Sign in</a></p>
    </section>
  `,
})
export class SignUpPageComponent {
  private readonly auth = inject(AuthService);
  private readonly router = inject(Router);
  protected readonly connectivity = inject(ConnectivityService);

  /** Bound from the `returnUrl` query parameter. */
  readonly returnUrl = input<string | null>(null);

  protected readonly submitting = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly form = inject(NonNullableFormBuilder).group({
    displayName: ['', Validators.required],
    email: ['', [Validators.required, Validators.email]],
    password: ['', Validators.required],
  });

  protected async submit(): Promise<void> {
    if (this.form.invalid) {
      this.error.set('Enter a display name, a valid email address and a password.');
      return;
    }

    this.submitting.set(true);
    this.error.set(null);
    try {
      const { displayName, email, password } = this.form.getRawValue();
      await this.auth.signUp({ email, password, displayName: displayName.trim() });
      await this.router.navigateByUrl(safeReturnUrl(this.returnUrl()));
    } catch (error) {
      this.error.set(describeError(error));
    } finally {
      this.submitting.set(false);
    }
  }
}

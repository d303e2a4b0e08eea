import { DestroyRef, Injectable, computed, inject, signal } from '@angular/core';

/**
 * The `beforeinstallprompt` event of Chromium-based browsers, which TypeScript's DOM library
 * does not declare. Firefox and Safari never fire it, and their users install from the browser
 * menu instead.
 */
interface BeforeInstallPromptEvent extends Event {
  prompt(): Promise<void>;
  readonly userChoice: Promise<{ outcome: 'accepted' | 'dismissed'; platform: string }>;
}

/**
 * Keeps the browser's offer to install the app, so that the header can show an Install button
 * instead of the browser's own banner. Construct it at start, because the browser fires the
 * event once per page load.
 */
@Injectable({ providedIn: 'root' })
export class InstallPromptService {
  private readonly offer = signal<BeforeInstallPromptEvent | null>(null);

  /** True while the browser offers an install prompt that has not been shown yet. */
  readonly canInstall = computed(() => this.offer() !== null);

  constructor() {
    const onOffer = (event: Event): void => {
      event.preventDefault();
      this.offer.set(event as BeforeInstallPromptEvent);
    };
    const onInstalled = (): void => this.offer.set(null);
    window.addEventListener('beforeinstallprompt', onOffer);
    window.addEventListener('appinstalled', onInstalled);
    inject(DestroyRef).onDestroy(() => {
      window.removeEventListener('beforeinstallprompt', onOffer);
      window.removeEventListener('appinstalled', onInstalled);
    });
  }

  /** Shows the browser's install dialog. An offer can be shown once, so the button goes away. */
  async install(): Promise<void> {
    const offer = this.offer();
    if (!offer) {
      return;
    }
    this.offer.set(null);
    await offer.prompt();
    const choice = await offer.userChoice;
    if (choice.outcome === 'dismissed') {
      console.info('The install prompt was dismissed.');
    }
  }
}

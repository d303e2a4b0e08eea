import { Injectable, signal } from '@angular/core';

/** A message shown in the banner under the header. */
export interface Notice {
  message: string;
  /** `reload` adds a button that reloads the page, for new versions and stale chunks. */
  action: 'reload' | null;
}

@Injectable({ providedIn: 'root' })
export class NoticeService {
  private readonly noticeSignal = signal<Notice | null>(null);

  readonly notice = this.noticeSignal.asReadonly();

  show(message: string, action: Notice['action'] = null): void {
    this.noticeSignal.set({ message, action });
  }

  dismiss(): void {
    this.noticeSignal.set(null);
  }
}

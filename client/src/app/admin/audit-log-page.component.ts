import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, inject, signal } from '@angular/core';

import { describeError } from '../core/error-messages';
import type { AuditAction, AuditLogEntry } from './admin-types';
import { ModerationAdminService } from './moderation-admin.service';

const PAGE_SIZE = 50;

export const AUDIT_ACTION_LABELS: Record<AuditAction, string> = {
  IMAGE_APPROVED: 'Image approved',
  IMAGE_REJECTED: 'Image rejected',
  IMAGE_SENT_TO_REVIEW: 'Sent to review',
  USER_ROLE_CHANGED: 'Role changed',
  USER_QUOTA_CHANGED: 'Quota changed',
  SETTING_CHANGED: 'Setting changed',
};

/** Moderation decisions and admin changes, newest first, with a filter by action. */
@Component({
  selector: 'app-audit-log-page',
  imports: [DatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section data-testid="audit-log-page">
      <div class="page-head">
        <h1>Audit log</h1>
        @if (totalCount() !== null) {
          <span class="muted" data-testid="audit-log-count">{{ totalCount() }} entries</span>
        }
        <label class="filter">
          Action
          <select data-testid="audit-log-filter-action" (change)="filter($any($event.target).value)">
            <option value="">All actions</option>
            @for (action of actions; track action) {
              <option [value]="action" [selected]="action === actionFilter()">{{ labels[action] }}</option>
            }
          </select>
        </label>
      </div>
      @if (error(); as message) {
        <p class="error" role="alert" data-testid="audit-log-error">{{ message }}</p>
      }

      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Target</th>
              <th scope="col">Reason or change</th>
              <th scope="col">Automated result</th>
            </tr>
          </thead>
          <tbody>
            @for (entry of entries(); track entry.id) {
              <tr data-testid="audit-log-row" [attr.data-action]="entry.action" [attr.data-target-id]="entry.targetId">
                <td>{{ entry.createdAt | date: 'medium' }}</td>
                <td data-testid="audit-log-actor">{{ entry.automated ? 'Classifier ' + entry.classifier : (entry.actorEmail ?? 'Deleted account') }}</td>
                <td>{{ labels[entry.action] }}</td>
                <td class="id">{{ entry.targetType }} {{ entry.targetId }}</td>
                <td data-testid="audit-log-reason">
                  @if (entry.reason) {
                    {{ entry.reason }}
                  } @else if (entry.newValue !== null) {
                    {{ entry.previousValue }} → {{ entry.newValue }}
                  }
                </td>
                <td>
                  @if (entry.automatedResult; as result) {
                    {{ result.classifier }}: {{ result.decision }}
                    @if (result.labels.length > 0) {
                      ({{ result.labels.join(', ') }})
                    }
                    @if (result.score !== null) {
                      , score {{ result.score }}
                    }
                  }
                </td>
              </tr>
            } @empty {
              @if (!loading()) {
                <tr>
                  <td colspan="6" class="muted" data-testid="audit-log-empty">No entries.</td>
                </tr>
              }
            }
          </tbody>
        </table>
      </div>

      @if (endCursor()) {
        <div class="more">
          <button type="button" data-testid="audit-log-load-more" [disabled]="loading()" (click)="load(false)">
            {{ loading() ? 'Loading…' : 'Load more' }}
          </button>
        </div>
      }
    </section>
  `,
  styles: `
    .filter {
      display: inline-flex;
      gap: 0.5rem;
      align-items: center;
      margin-left: auto;
    }
    select {
      font: inherit;
      padding: 0.3rem;
    }
    .scroll {
      overflow-x: auto;
    }
    table {
      width: 100%;
      border-collapse: collapse;
      font-size: 0.9rem;
    }
    th,
    td {
      padding: 0.4rem 0.6rem;
      border-bottom: 1px solid var(--border);
      text-align: left;
      vertical-align: top;
    }
    .id {
      font-family: monospace;
      font-size: 0.8rem;
      overflow-wrap: anywhere;
    }
    .more {
      display: flex;
      justify-content: center;
      margin-top: 1rem;
    }
  `,
})
export class AuditLogPageComponent implements OnInit {
  private readonly moderation = inject(ModerationAdminService);

  protected readonly labels = AUDIT_ACTION_LABELS;
  protected readonly actions = Object.keys(AUDIT_ACTION_LABELS) as AuditAction[];

  protected readonly entries = signal<AuditLogEntry[]>([]);
  protected readonly totalCount = signal<number | null>(null);
  protected readonly endCursor = signal<string | null>(null);
  protected readonly actionFilter = signal<AuditAction | null>(null);
  protected readonly loading = signal(false);
  protected readonly error = signal<string | null>(null);

  ngOnInit(): void {
    void this.load(true);
  }

  protected filter(value: string): void {
    this.actionFilter.set(value ? (value as AuditAction) : null);
    void this.load(true);
  }

  /** Loads the first page (`restart`) or the page after the last one shown. */
  protected async load(restart: boolean): Promise<void> {
    this.loading.set(true);
    this.error.set(null);
    try {
      const action = this.actionFilter();
      const page = await this.moderation.auditLog(PAGE_SIZE, restart ? null : this.endCursor(), action ? { action } : null);
      const nodes = page.edges.map((edge) => edge.node);
      this.entries.set(restart ? nodes : [...this.entries(), ...nodes]);
      this.totalCount.set(page.totalCount);
      this.endCursor.set(page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null);
    } catch (error) {
      this.error.set(describeError(error));
    } finally {
      this.loading.set(false);
    }
  }
}

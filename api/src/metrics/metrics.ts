import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The moderation queue as the database reports it. */
export interface ModerationQueueSnapshot {
  depth: number;
  /** Seconds the oldest image in review has waited since confirm; 0 when the queue is empty. */
  oldestAgeSeconds: number;
}

/** Prometheus metrics of one API process, exposed at `/metrics`. */
export class Metrics {
  readonly registry = new Registry();

  readonly grantsIssued = new Counter({
    name: 'sidestep_upload_grants_issued_total',
    help: 'Upload grants handed out.',
    registers: [this.registry],
  });

  readonly uploadsConfirmed = new Counter({
    name: 'sidestep_uploads_confirmed_total',
    help: 'Uploads whose bytes passed the checks.',
    registers: [this.registry],
  });

  readonly uploadsRejected = new Counter({
    name: 'sidestep_uploads_rejected_total',
    help: 'Uploads rejected at confirm, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly grantsExpired = new Counter({
    name: 'sidestep_upload_grants_expired_total',
    help: 'Grants marked expired by the cleanup job.',
    registers: [this.registry],
  });

  readonly viewUrlSigning = new Histogram({
    name: 'sidestep_view_url_signing_seconds',
    help: 'Time to produce one view URL, memoized or freshly signed.',
    buckets: [0.000_01, 0.000_05, 0.000_1, 0.000_5, 0.001, 0.005],
    registers: [this.registry],
  });

  readonly moderationDecisions = new Counter({
    name: 'sidestep_moderation_decisions_total',
    help: 'Images approved or rejected in review, by decision and by source (moderator or classifier).',
    labelNames: ['decision', 'source'] as const,
    registers: [this.registry],
  });

  // The queue gauges are read from the database at each scrape, so every replica reports the
  // same global value: aggregate them across replicas with max, not sum.
  readonly moderationQueueDepth = new Gauge({
    name: 'sidestep_moderation_queue_depth',
    help: 'Images in review, waiting for a decision.',
    registers: [this.registry],
    collect: async () => {
      const snapshot = await this.readModerationQueue();
      if (snapshot) this.moderationQueueDepth.set(snapshot.depth);
    },
  });

  readonly moderationQueueOldestAge = new Gauge({
    name: 'sidestep_moderation_queue_oldest_age_seconds',
    help: 'Seconds the oldest image in review has waited since its upload was confirmed; 0 when the queue is empty.',
    registers: [this.registry],
    collect: async () => {
      const snapshot = await this.readModerationQueue();
      if (snapshot) this.moderationQueueOldestAge.set(snapshot.oldestAgeSeconds);
    },
  });

  readonly jobRuns = new Counter({
    name: 'sidestep_job_runs_total',
    help: 'Background job runs by job and outcome: succeeded, failed, or skipped because the job was already running.',
    labelNames: ['job', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly jobDuration = new Histogram({
    name: 'sidestep_job_duration_seconds',
    help: 'Time one job run took once it held the lock.',
    labelNames: ['job'] as const,
    buckets: [0.01, 0.05, 0.25, 1, 5, 30, 120, 600],
    registers: [this.registry],
  });

  readonly cleanupKeysDeleted = new Counter({
    name: 'sidestep_cleanup_objects_deleted_total',
    help: 'Object keys the cleanup jobs sent to storage for deletion, by job; keys that were already gone count too.',
    labelNames: ['job'] as const,
    registers: [this.registry],
  });

  readonly cleanupRowsChanged = new Counter({
    name: 'sidestep_cleanup_rows_changed_total',
    help: 'Image rows the cleanup jobs expired or stripped of their object, by job.',
    labelNames: ['job'] as const,
    registers: [this.registry],
  });

  // Read from the database at each scrape like the queue gauges: aggregate across replicas with max.
  readonly missingObjects = new Gauge({
    name: 'sidestep_storage_missing_objects',
    help: 'Confirmed images whose object the reconcile pass could not find in storage.',
    registers: [this.registry],
    collect: async () => {
      const count = await this.missingObjectsSource?.();
      if (count !== undefined && count !== null) this.missingObjects.set(count);
    },
  });

  private missingObjectsSource: (() => Promise<number | null>) | undefined;

  private moderationQueueSource: (() => Promise<ModerationQueueSnapshot | null>) | undefined;
  private moderationQueueRead: Promise<ModerationQueueSnapshot | null> | undefined;

  constructor() {
    // The event loop delay monitor wakes the process once per resolution. prom-client's default of
    // 10 ms cost an idle API about 6 ms of CPU a second on the benchmark VM, and 100 ms about 1.5 ms.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 100 });
  }

  /** Sets where the missing-objects gauge reads from; a source that returns null keeps the last value. */
  observeMissingObjects(source: () => Promise<number | null>): void {
    this.missingObjectsSource = source;
  }

  /** Sets where the queue gauges read from; a source that returns null keeps the last values. */
  observeModerationQueue(source: () => Promise<ModerationQueueSnapshot | null>): void {
    this.moderationQueueSource = source;
  }

  /** Both queue gauges collect in the same scrape; they share one query. */
  private readModerationQueue(): Promise<ModerationQueueSnapshot | null> {
    if (!this.moderationQueueSource) return Promise.resolve(null);
    this.moderationQueueRead ??= this.moderationQueueSource().finally(() => {
      this.moderationQueueRead = undefined;
    });
    return this.moderationQueueRead;
  }
}

import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}

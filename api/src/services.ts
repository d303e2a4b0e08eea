import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from './config/config';
import { JobRunner } from './jobs/job-runner';
import type { Logger } from './logging/logger';
import type { Metrics } from './metrics/metrics';
import { SettingsService } from './modules/admin/settings.service';
import { UserAdminService } from './modules/admin/user-admin.service';
import { AuthService } from './modules/auth/auth.service';
import type { ViewerCache } from './modules/auth/viewer-cache';
import { CleanupService } from './modules/cleanup/cleanup.service';
import { JobAdminService } from './modules/cleanup/job-admin.service';
import { ReconcileService } from './modules/cleanup/reconcile.service';
import { ImageService } from './modules/images/image.service';
import { UploadService } from './modules/images/upload.service';
import { AuditLogService } from './modules/moderation/audit-log.service';
import { createImageClassifier } from './modules/moderation/image-classifier';
import { ModerationService } from './modules/moderation/moderation.service';
import { RateLimitService } from './modules/rate-limit/rate-limit.service';
import { ApiTokenService } from './modules/tokens/api-token.service';
import type { ObjectStorage } from './storage/object-storage';

/** The process-wide parts every request and job shares. */
export interface Infrastructure {
  config: Config;
  logger: Logger;
  orm: MikroORM;
  storage: ObjectStorage;
  metrics: Metrics;
  /** The process's one job runner, shared by the scheduler and the admin API; made here when absent. */
  jobs?: JobRunner;
  /** The process's cache of bearer token lookups; without it every signed-in request reads the database. */
  viewers?: ViewerCache;
}

export interface Services {
  auth: AuthService;
  images: ImageService;
  uploads: UploadService;
  rateLimits: RateLimitService;
  tokens: ApiTokenService;
  settings: SettingsService;
  auditLog: AuditLogService;
  moderation: ModerationService;
  userAdmin: UserAdminService;
  cleanup: CleanupService;
  reconcile: ReconcileService;
  jobAdmin: JobAdminService;
}

export function createServices(infra: Infrastructure): Services {
  const rateLimits = new RateLimitService();
  const tokens = new ApiTokenService(infra.config, infra.viewers);
  return {
    auth: new AuthService(infra.config, tokens, infra.viewers),
    images: new ImageService(infra.storage, infra.metrics),
    uploads: new UploadService(infra.config, infra.storage, rateLimits, infra.metrics),
    rateLimits,
    tokens,
    ...createModerationServices(infra),
    ...createCleanupServices(infra),
  };
}

function createCleanupServices(infra: Infrastructure): Pick<Services, 'cleanup' | 'reconcile' | 'jobAdmin'> {
  const reconcile = new ReconcileService(infra.config, infra.storage, infra.metrics);
  infra.metrics.observeMissingObjects(async () => {
    try {
      return await reconcile.countMissingObjects(infra.orm.em.fork());
    } catch (error) {
      infra.logger.warn({ event: 'metrics.missing_objects_failed', err: error });
      return null;
    }
  });
  return {
    cleanup: new CleanupService(infra.config, infra.storage, infra.metrics),
    reconcile,
    jobAdmin: new JobAdminService(infra.config, infra.jobs ?? new JobRunner(infra)),
  };
}

function createModerationServices(infra: Infrastructure): Pick<Services, 'settings' | 'auditLog' | 'moderation' | 'userAdmin'> {
  const classifier = createImageClassifier(infra.config.moderation.classifier, { logger: infra.logger });
  const moderation = new ModerationService(infra.config, infra.storage, classifier, infra.metrics);
  infra.metrics.observeModerationQueue(async () => {
    try {
      return await moderation.queueStats(infra.orm.em.fork());
    } catch (error) {
      infra.logger.warn({ event: 'metrics.moderation_queue_failed', err: error });
      return null;
    }
  });
  return { settings: new SettingsService(), auditLog: new AuditLogService(), moderation, userAdmin: new UserAdminService(infra.viewers) };
}

import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from './config/config';
import type { Logger } from './logging/logger';
import type { Metrics } from './metrics/metrics';
import { AuthService } from './modules/auth/auth.service';
import { ImageService } from './modules/images/image.service';
import { UploadService } from './modules/images/upload.service';
import { RateLimitService } from './modules/rate-limit/rate-limit.service';
import type { ObjectStorage } from './storage/object-storage';

/** The process-wide parts every request and job shares. */
export interface Infrastructure {
  config: Config;
  logger: Logger;
  orm: MikroORM;
  storage: ObjectStorage;
  metrics: Metrics;
}

export interface Services {
  auth: AuthService;
  images: ImageService;
  uploads: UploadService;
  rateLimits: RateLimitService;
}

export function createServices(infra: Infrastructure): Services {
  const rateLimits = new RateLimitService();
  return {
    auth: new AuthService(infra.config),
    images: new ImageService(infra.storage),
    uploads: new UploadService(infra.config, infra.storage, rateLimits, infra.metrics),
    rateLimits,
  };
}

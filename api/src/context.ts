import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from './logging/logger';
import type { Role } from './modules/auth/roles';
import type { Services } from './services';

/** The signed-in principal of a request. */
export interface Viewer {
  userId: string;
  role: Role;
  sessionId: string;
}

/**
 * What every service method receives first: who is asking, the request id for
 * logs, and an EntityManager forked for this request alone.
 */
export interface RequestContext {
  requestId: string;
  viewer: Viewer | null;
  em: EntityManager;
  logger: Logger;
  services: Services;
}

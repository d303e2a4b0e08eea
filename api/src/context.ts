import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppError } from './errors/app-error';
import type { ViewUrlBudget } from './graphql/limits/view-url-budget';
import type { Logger } from './logging/logger';
import type { Role, Scope } from './modules/auth/roles';
import type { Services } from './services';

/** The signed-in principal of a request. */
export interface Viewer {
  userId: string;
  role: Role;
  /** Set when the request authenticated with a session token. */
  sessionId?: string;
  /** Set when the request authenticated with an API token. */
  tokenId?: string;
  /** Every scope for a session; the token's scopes for an API token. */
  scopes: readonly Scope[];
}

/**
 * Context that every service method receives first: who is asking, the request id for
 * logs, and an EntityManager forked for this request alone.
 */
export interface RequestContext {
  requestId: string;
  viewer: Viewer | null;
  em: EntityManager;
  logger: Logger;
  services: Services;
  /** Reason a presented API token was rejected. The request fails with it before any resolver runs. */
  credentialError?: AppError;
  /** View URLs this request may still mint. Unset when no budget applies, as for sessions. */
  viewUrlBudget?: ViewUrlBudget;
}

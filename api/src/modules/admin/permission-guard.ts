import type { RequestContext, Viewer } from '../../context';
import { forbidden, unauthenticated } from '../../errors/app-error';
import { viewerHasPermission, type Permission } from '../auth/roles';

/**
 * Returns the viewer when its role grants `permission` and the request holds
 * the matching scope; otherwise throws UNAUTHENTICATED (no viewer) or
 * FORBIDDEN (`action` names what was refused).
 */
export function requirePermission(ctx: RequestContext, permission: Permission, action: string): Viewer {
  if (!ctx.viewer) throw unauthenticated();
  if (!viewerHasPermission(ctx.viewer, permission)) throw forbidden(action);
  return ctx.viewer;
}

export const viewerHas = (ctx: RequestContext, permission: Permission): boolean => viewerHasPermission(ctx.viewer, permission);

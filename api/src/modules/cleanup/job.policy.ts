import type { Viewer } from '../../context';
import { forbidden, unauthenticated } from '../../errors/app-error';
import { hasPermission, Permission } from '../auth/roles';

/** The rule for running background jobs and reading their records: admins only, through MANAGE_USERS. */
export const JobPolicy = {
  canManage(viewer: Viewer | null): boolean {
    return viewer !== null && hasPermission(viewer.role, Permission.MANAGE_USERS);
  },

  /** Returns the viewer, or throws UNAUTHENTICATED or FORBIDDEN naming the refused `action`. */
  assertCanManage(viewer: Viewer | null, action: string): Viewer {
    if (!viewer) throw unauthenticated();
    if (!JobPolicy.canManage(viewer)) throw forbidden(action);
    return viewer;
  },
};

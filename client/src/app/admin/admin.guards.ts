import { inject } from '@angular/core';
import { CanActivateFn, Router } from '@angular/router';
import { Apollo } from 'apollo-angular';
import { firstValueFrom } from 'rxjs';

import { SessionStore } from '../core/session.store';
import { VIEWER_PERMISSIONS_QUERY } from '../graphql/operations';
import { hasAnyPermission } from './permissions';

/**
 * Lets the route open when the viewer holds any of `permissions`, as the API reports them in
 * `viewer.permissions`; role names are never checked. Signed-out visitors go to the sign-in
 * page and others to the gallery. The API enforces the same permissions on every operation.
 */
export function permissionGuard(...permissions: string[]): CanActivateFn {
  return async (_route, state) => {
    const router = inject(Router);
    const apollo = inject(Apollo);
    if (!inject(SessionStore).token()) {
      return router.createUrlTree(['/sign-in'], { queryParams: { returnUrl: state.url } });
    }

    try {
      const result = await firstValueFrom(
        apollo.query({ query: VIEWER_PERMISSIONS_QUERY, fetchPolicy: 'network-only' }),
      );
      if (hasAnyPermission(result.data?.viewer?.permissions, permissions)) {
        return true;
      }
    } catch (error) {
      console.warn('Could not read the viewer permissions for an admin page.', error);
    }
    return router.createUrlTree(['/gallery']);
  };
}

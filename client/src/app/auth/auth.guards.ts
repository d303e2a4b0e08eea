import { inject } from '@angular/core';
import { CanActivateFn, Router } from '@angular/router';

import { SessionStore } from '../core/session.store';

/** Sends signed-out visitors to the sign-in page and back here afterwards. */
export const signedInGuard: CanActivateFn = (_route, state) => {
  if (inject(SessionStore).token()) {
    return true;
  }
  return inject(Router).createUrlTree(['/sign-in'], { queryParams: { returnUrl: state.url } });
};

/** Keeps signed-in users away from the sign-in and sign-up pages. */
export const signedOutGuard: CanActivateFn = () => {
  if (!inject(SessionStore).token()) {
    return true;
  }
  return inject(Router).createUrlTree(['/gallery']);
};

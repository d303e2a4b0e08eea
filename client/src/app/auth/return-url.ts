/**
 * Returns the in-app path to open after signing in. Only same-origin paths are accepted, so a
 * crafted link cannot send the user to another site.
 */
export function safeReturnUrl(returnUrl: string | null): string {
  if (returnUrl && returnUrl.startsWith('/') && !returnUrl.startsWith('//')) {
    return returnUrl;
  }
  return '/gallery';
}

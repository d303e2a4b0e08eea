/**
 * Permission names as the API's `User.permissions` reports them (the values of the API's
 * `Permission` enum). The admin screens check these, never role names. An API test compares
 * this list with the API's, so the two cannot drift apart.
 */
export const CLIENT_PERMISSIONS = {
  UPLOAD_IMAGES: 'images:upload',
  MODERATE_IMAGES: 'images:moderate',
  MANAGE_USERS: 'users:manage',
  READ_AUDIT_LOG: 'audit:read',
  MANAGE_SETTINGS: 'settings:manage',
} as const;

export type ClientPermission = (typeof CLIENT_PERMISSIONS)[keyof typeof CLIENT_PERMISSIONS];

/** Permissions that open the admin area: any one of them is enough for its first page. */
export const ADMIN_AREA_PERMISSIONS: readonly ClientPermission[] = [
  CLIENT_PERMISSIONS.MODERATE_IMAGES,
  CLIENT_PERMISSIONS.MANAGE_USERS,
  CLIENT_PERMISSIONS.READ_AUDIT_LOG,
];

export function hasAnyPermission(granted: readonly string[] | null | undefined, required: readonly string[]): boolean {
  return !!granted && required.some((permission) => granted.includes(permission));
}

/** A viewer object as the client holds it; `permissions` is absent only from data cached before it was selected. */
export interface WithPermissions {
  readonly permissions?: readonly string[];
}

/**
 * Roles and the permissions they grant. The API checks permissions, never role
 * names, and the admin screens read the same table.
 */
export enum Role {
  USER = 'USER',
  MODERATOR = 'MODERATOR',
  ADMIN = 'ADMIN',
}

export enum Permission {
  UPLOAD_IMAGES = 'images:upload',
  MODERATE_IMAGES = 'images:moderate',
  MANAGE_USERS = 'users:manage',
  /** Read the audit log of moderation decisions and admin changes. */
  READ_AUDIT_LOG = 'audit:read',
  /** Change settings such as whether moderators may see private images. */
  MANAGE_SETTINGS = 'settings:manage',
}

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  [Role.USER]: [Permission.UPLOAD_IMAGES],
  [Role.MODERATOR]: [Permission.UPLOAD_IMAGES, Permission.MODERATE_IMAGES],
  [Role.ADMIN]: [
    Permission.UPLOAD_IMAGES,
    Permission.MODERATE_IMAGES,
    Permission.MANAGE_USERS,
    Permission.READ_AUDIT_LOG,
    Permission.MANAGE_SETTINGS,
  ],
};

export function hasPermission(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

/**
 * What a request may do on the user's behalf. A session has every scope, and an
 * API token has the scopes chosen when it was created. A scope never adds a
 * permission: a request needs both the role's permission and the scope.
 */
export enum Scope {
  /** Read images and mint their view URLs. */
  IMAGES_READ = 'images:read',
  /** Request upload grants, confirm uploads and delete images. */
  IMAGES_WRITE = 'images:write',
  /** Work the moderation queue. */
  IMAGES_MODERATE = 'images:moderate',
  /** Manage users, including other users' API tokens. */
  USERS_MANAGE = 'users:manage',
  /** Read the audit log. */
  AUDIT_READ = 'audit:read',
  /** Change settings. */
  SETTINGS_MANAGE = 'settings:manage',
  /** Create, list and revoke the user's own API tokens. */
  TOKENS_MANAGE = 'tokens:manage',
}

export const ALL_SCOPES: readonly Scope[] = Object.freeze(Object.values(Scope));

/** The scope a request needs, next to the role's permission, to use that permission. */
export const PERMISSION_SCOPES: Readonly<Record<Permission, Scope>> = {
  [Permission.UPLOAD_IMAGES]: Scope.IMAGES_WRITE,
  [Permission.MODERATE_IMAGES]: Scope.IMAGES_MODERATE,
  [Permission.MANAGE_USERS]: Scope.USERS_MANAGE,
  [Permission.READ_AUDIT_LOG]: Scope.AUDIT_READ,
  [Permission.MANAGE_SETTINGS]: Scope.SETTINGS_MANAGE,
};

/** Returns the scopes a token of this role may carry: those whose permission the role has, and those that need none. */
export function scopesForRole(role: Role): Scope[] {
  const gated = new Map<Scope, Permission>(Object.entries(PERMISSION_SCOPES).map(([permission, scope]) => [scope, permission as Permission]));
  return ALL_SCOPES.filter((scope) => {
    const permission = gated.get(scope);
    return permission === undefined || hasPermission(role, permission);
  });
}

export function hasScope(viewer: { readonly scopes: readonly Scope[] } | null, scope: Scope): boolean {
  return viewer !== null && viewer.scopes.includes(scope);
}

/** Returns whether the viewer's role grants the permission and the request carries the scope that unlocks it. */
export function viewerHasPermission(viewer: { readonly role: Role; readonly scopes: readonly Scope[] } | null, permission: Permission): boolean {
  return viewer !== null && hasPermission(viewer.role, permission) && hasScope(viewer, PERMISSION_SCOPES[permission]);
}

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
}

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  [Role.USER]: [Permission.UPLOAD_IMAGES],
  [Role.MODERATOR]: [Permission.UPLOAD_IMAGES, Permission.MODERATE_IMAGES],
  [Role.ADMIN]: [Permission.UPLOAD_IMAGES, Permission.MODERATE_IMAGES, Permission.MANAGE_USERS],
};

export function hasPermission(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

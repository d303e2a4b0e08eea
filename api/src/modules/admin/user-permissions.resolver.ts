import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../context';
import { Permission, ROLE_PERMISSIONS, viewerHasPermission } from '../auth/roles';
import { UserType } from '../users/user.types';
import { viewerHas } from './permission-guard';

@Resolver(() => UserType)
export class UserPermissionsResolver {
  @FieldResolver(() => [String], {
    description:
      'Permissions of the account\'s role, for example "images:moderate"; clients show or hide features by them. For the viewer, only those the request\'s scopes also allow. Empty unless the viewer is this user or an admin.',
  })
  permissions(@Root() user: UserType, @Ctx() ctx: RequestContext): string[] {
    const viewer = ctx.viewer;
    if (viewer !== null && viewer.userId === user.id) {
      // An API token with fewer scopes than the role unlocks only part of the role's permissions.
      return ROLE_PERMISSIONS[user.role].filter((permission) => viewerHasPermission(viewer, permission));
    }
    return viewerHas(ctx, Permission.MANAGE_USERS) ? [...ROLE_PERMISSIONS[user.role]] : [];
  }
}

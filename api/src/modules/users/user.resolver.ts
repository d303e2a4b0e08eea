import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../context';
import { hasPermission, Permission } from '../auth/roles';
import { Quota, UserType } from './user.types';

const isSelfOrAdmin = (ctx: RequestContext, user: UserType) =>
  ctx.viewer !== null && (ctx.viewer.userId === user.id || hasPermission(ctx.viewer.role, Permission.MANAGE_USERS));

@Resolver(() => UserType)
export class UserResolver {
  @FieldResolver(() => String, { nullable: true, description: 'Email address; null unless the viewer is this user or an admin.' })
  email(@Root() user: UserType, @Ctx() ctx: RequestContext): string | null {
    return isSelfOrAdmin(ctx, user) ? user.email : null;
  }

  @FieldResolver(() => Quota, { nullable: true, description: 'Storage limits; null unless the viewer is this user or an admin.' })
  quota(@Root() user: UserType, @Ctx() ctx: RequestContext): Quota | null {
    return isSelfOrAdmin(ctx, user) ? user.quotaSource : null;
  }
}

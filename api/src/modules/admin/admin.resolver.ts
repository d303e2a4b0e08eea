import { Arg, Args, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../context';
import { ROLE_PERMISSIONS, Role } from '../auth/roles';
import { UserType } from '../users/user.types';
import {
  ChangeUserQuotaInput,
  ChangeUserRoleInput,
  ModerationSettingsType,
  RoleDefinition,
  UpdateModerationSettingsInput,
  UserConnection,
  UsersArgs,
} from './admin.types';

@Resolver()
export class AdminResolver {
  @Query(() => UserConnection, { description: 'Accounts, newest first. Admins only.' })
  async users(@Args() args: UsersArgs, @Ctx() ctx: RequestContext): Promise<UserConnection> {
    const page = await ctx.services.userAdmin.list(ctx, args, args.search);
    return {
      edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: UserType.from(edge.node) })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
      totalCount: page.totalCount,
    };
  }

  @Query(() => [RoleDefinition], { description: 'Every role with the permissions it grants.' })
  roles(): RoleDefinition[] {
    return Object.values(Role).map((role) => ({ role, permissions: [...ROLE_PERMISSIONS[role]] }));
  }

  @Query(() => ModerationSettingsType, { description: 'The moderation settings. Moderators and admins.' })
  moderationSettings(@Ctx() ctx: RequestContext): Promise<ModerationSettingsType> {
    return ctx.services.settings.moderationSettings(ctx);
  }

  @Mutation(() => UserType, { description: "Changes a user's role; it applies from the user's next request. Admins only." })
  async changeUserRole(@Arg('input') input: ChangeUserRoleInput, @Ctx() ctx: RequestContext): Promise<UserType> {
    return UserType.from(await ctx.services.userAdmin.changeRole(ctx, input.userId, input.role));
  }

  @Mutation(() => UserType, { description: "Changes a user's byte and image limits. Admins only." })
  async changeUserQuota(@Arg('input') input: ChangeUserQuotaInput, @Ctx() ctx: RequestContext): Promise<UserType> {
    return UserType.from(await ctx.services.userAdmin.changeQuota(ctx, input));
  }

  @Mutation(() => ModerationSettingsType, { description: 'Changes the moderation settings. Admins only.' })
  updateModerationSettings(
    @Arg('input') input: UpdateModerationSettingsInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ModerationSettingsType> {
    return ctx.services.settings.updateModerationSettings(ctx, input);
  }
}

import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../context';
import { UserEntity } from '../users/user.entity';
import { UserType } from '../users/user.types';
import type { TokenPage } from './api-token.service';
import { ApiTokenConnection, ApiTokenType, CreateApiTokenInput, CreatedApiToken } from './api-token.types';

@ArgsType()
class ApiTokenPageArgs {
  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100; default 20.' })
  first?: number;

  @Field(() => String, { nullable: true, description: 'Return tokens after this cursor.' })
  after?: string;

  @Field(() => ID, { nullable: true, description: "Whose tokens to list; default the viewer's. Other users' need an admin and the users:manage scope." })
  userId?: string;
}

function presentPage(page: TokenPage): ApiTokenConnection {
  return {
    edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: ApiTokenType.from(edge.node) })),
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
    totalCount: page.totalCount,
  };
}

@Resolver(() => ApiTokenType)
export class ApiTokenResolver {
  @Query(() => ApiTokenConnection, { description: 'API tokens of the viewer, or of another user for admins, newest first.' })
  async apiTokens(@Args() args: ApiTokenPageArgs, @Ctx() ctx: RequestContext): Promise<ApiTokenConnection> {
    return presentPage(await ctx.services.tokens.list(ctx, args, args.userId));
  }

  @Mutation(() => CreatedApiToken, { description: 'Creates an API token for the viewer and returns its secret, once.' })
  async createApiToken(@Arg('input') input: CreateApiTokenInput, @Ctx() ctx: RequestContext): Promise<CreatedApiToken> {
    const created = await ctx.services.tokens.create(ctx, input);
    return { token: ApiTokenType.from(created.token), secret: created.secret };
  }

  @Mutation(() => ApiTokenType, { description: "Revokes an API token at once: the viewer's own, or anyone's for admins. Safe to call again." })
  async revokeApiToken(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<ApiTokenType> {
    return ApiTokenType.from(await ctx.services.tokens.revoke(ctx, id));
  }

  @FieldResolver(() => UserType, { description: 'The user the token acts for.' })
  async owner(@Root() token: ApiTokenType, @Ctx() ctx: RequestContext): Promise<UserType> {
    return UserType.from(await ctx.em.findOneOrFail(UserEntity, token.source.user.id));
  }
}

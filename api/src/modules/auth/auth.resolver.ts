import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../context';
import { UserEntity } from '../users/user.entity';
import { UserType } from '../users/user.types';
import type { Session } from './auth.service';
import { AuthPayload, SignInInput, SignUpInput } from './auth.types';

@Resolver()
export class AuthResolver {
  @Query(() => UserType, { nullable: true, description: 'The signed-in user, or null when the request has no valid session.' })
  async viewer(@Ctx() ctx: RequestContext): Promise<UserType | null> {
    if (!ctx.viewer) return null;
    const user = await ctx.em.findOne(UserEntity, ctx.viewer.userId);
    return user ? UserType.from(user) : null;
  }

  @Mutation(() => AuthPayload, { description: 'Creates an account and signs it in.' })
  async signUp(@Arg('input') input: SignUpInput, @Ctx() ctx: RequestContext): Promise<AuthPayload> {
    return signedIn(ctx, await ctx.services.auth.signUp(ctx, input));
  }

  @Mutation(() => AuthPayload, { description: 'Opens a session for an existing account.' })
  async signIn(@Arg('input') input: SignInInput, @Ctx() ctx: RequestContext): Promise<AuthPayload> {
    return signedIn(ctx, await ctx.services.auth.signIn(ctx, input.email, input.password));
  }

  @Mutation(() => Boolean, { description: 'Ends the current session. Returns false when there was none.' })
  signOut(@Ctx() ctx: RequestContext): Promise<boolean> {
    return ctx.services.auth.signOut(ctx);
  }
}

/**
 * Returns the payload of a new session. A request that came without a session
 * continues as the new one's user, so the payload's `user` shows the fields
 * that only its owner may read, such as `email` and `quota`.
 */
function signedIn(ctx: RequestContext, session: Session): AuthPayload {
  ctx.viewer ??= session.viewer;
  return { token: session.token, user: UserType.from(session.user) };
}

import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../context';
import { ImageType } from '../images/image.types';
import { AutomatedCheck, ModerationLease } from './moderation.types';

/** Moderation fields of Image, shown to moderators only. */
@Resolver(() => ImageType)
export class ImageModerationResolver {
  @FieldResolver(() => ModerationLease, {
    nullable: true,
    description: 'Who holds the image in review and until when; null when nobody does or the viewer is not a moderator.',
  })
  async moderationLease(@Root() image: ImageType, @Ctx() ctx: RequestContext): Promise<ModerationLease | null> {
    const lease = await ctx.services.moderation.leaseOf(ctx, image.source);
    return lease ? ModerationLease.from(lease, ctx.viewer?.userId) : null;
  }

  @FieldResolver(() => AutomatedCheck, {
    nullable: true,
    description: "The latest automated check's verdict; null when none ran or the viewer is not a moderator.",
  })
  async automatedCheck(@Root() image: ImageType, @Ctx() ctx: RequestContext): Promise<AutomatedCheck | null> {
    const result = await ctx.services.moderation.automatedResultOf(ctx, image.source);
    return result ? AutomatedCheck.from(result) : null;
  }
}

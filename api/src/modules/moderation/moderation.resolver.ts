import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../context';
import { presentPage } from '../images/image.resolver';
import { ImageConnection, ImageType } from '../images/image.types';
import type { DecisionOutcome } from './moderation.service';
import { BulkModerationResult, ClaimModerationBatchInput, ListPageArgs, ModerationBatch } from './moderation.types';

const presentOutcome = (outcome: DecisionOutcome): BulkModerationResult => ({
  images: outcome.decided.map((image) => ImageType.from(image)),
  skipped: outcome.skipped,
});

@Resolver()
export class ModerationResolver {
  @Query(() => ImageConnection, { description: 'Images waiting for review, oldest first, whoever holds them. Moderators only.' })
  async moderationQueue(@Args() page: ListPageArgs, @Ctx() ctx: RequestContext): Promise<ImageConnection> {
    return presentPage(await ctx.services.moderation.queue(ctx, page));
  }

  @Mutation(() => ModerationBatch, {
    description:
      'Leases images in review to the viewer, oldest first, so that no other moderator decides them until the lease expires. Claiming again renews the leases the viewer holds. Moderators only.',
  })
  async claimModerationBatch(
    @Arg('input', () => ClaimModerationBatchInput, { nullable: true }) input: ClaimModerationBatchInput | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<ModerationBatch> {
    const batch = await ctx.services.moderation.claim(ctx, input?.size);
    return { images: batch.images.map((image) => ImageType.from(image)), leaseExpiresAt: batch.leaseExpiresAt };
  }

  @Mutation(() => [ID], { description: "Returns images the viewer holds to the queue at once. Returns the ids that were released." })
  releaseModerationClaims(@Arg('ids', () => [ID]) ids: string[], @Ctx() ctx: RequestContext): Promise<string[]> {
    return ctx.services.moderation.release(ctx, ids);
  }

  @Mutation(() => ImageType, { description: 'Approves an image in review, which makes a public image visible to every signed-in user. Moderators only.' })
  async approveImage(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<ImageType> {
    return ImageType.from(await ctx.services.moderation.approve(ctx, id));
  }

  @Mutation(() => ImageType, { description: 'Rejects an image in review; the owner sees the reason. Moderators only.' })
  async rejectImage(
    @Arg('id', () => ID) id: string,
    @Arg('reason', { description: 'Why the image is rejected, 1 to 500 characters; shown to the owner.' }) reason: string,
    @Ctx() ctx: RequestContext,
  ): Promise<ImageType> {
    return ImageType.from(await ctx.services.moderation.reject(ctx, id, reason));
  }

  @Mutation(() => BulkModerationResult, { description: 'Approves up to 100 images in review. Moderators only.' })
  async approveImages(@Arg('ids', () => [ID]) ids: string[], @Ctx() ctx: RequestContext): Promise<BulkModerationResult> {
    return presentOutcome(await ctx.services.moderation.approveMany(ctx, ids));
  }

  @Mutation(() => BulkModerationResult, { description: 'Rejects up to 100 images in review with one reason. Moderators only.' })
  async rejectImages(
    @Arg('ids', () => [ID]) ids: string[],
    @Arg('reason', { description: 'Why the images are rejected, 1 to 500 characters; shown to their owners.' }) reason: string,
    @Ctx() ctx: RequestContext,
  ): Promise<BulkModerationResult> {
    return presentOutcome(await ctx.services.moderation.rejectMany(ctx, ids, reason));
  }
}

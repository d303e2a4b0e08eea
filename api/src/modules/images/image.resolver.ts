import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../context';
import { UserEntity } from '../users/user.entity';
import { UserType } from '../users/user.types';
import type { ImagePage } from './image.service';
import { ImageConnection, ImageFilter, ImageType, RequestUploadInput, UploadGrant, UploadLimits } from './image.types';

@ArgsType()
class PageArgs {
  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100; default 20.' })
  first?: number;

  @Field(() => String, { nullable: true, description: 'Return items after this cursor.' })
  after?: string;
}

export function presentPage(page: ImagePage): ImageConnection {
  return {
    edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: ImageType.from(edge.node) })),
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
    totalCount: page.totalCount,
  };
}

@Resolver(() => ImageType)
export class ImageResolver {
  @Query(() => ImageType, { nullable: true, description: 'One image; null when it does not exist or the viewer may not see it.' })
  async image(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<ImageType | null> {
    const image = await ctx.services.images.findVisible(ctx, id);
    return image ? ImageType.from(image) : null;
  }

  @Query(() => ImageConnection, { description: 'Images the viewer may see, newest first.' })
  async images(
    @Args() page: PageArgs,
    @Arg('filter', () => ImageFilter, { nullable: true }) filter: ImageFilter | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<ImageConnection> {
    return presentPage(await ctx.services.images.list(ctx, page, filter ?? {}));
  }

  @Query(() => UploadLimits, { description: 'The size, type, pixel and filename limits of uploads, so a client can check a file before it requests a grant.' })
  uploadLimits(@Ctx() ctx: RequestContext): UploadLimits {
    return ctx.services.uploads.limits();
  }

  @Mutation(() => UploadGrant, { description: 'Checks limits and quota and returns a short-lived grant to upload one file straight to storage.' })
  async requestUpload(@Arg('input') input: RequestUploadInput, @Ctx() ctx: RequestContext): Promise<UploadGrant> {
    const grant = await ctx.services.uploads.requestUpload(ctx, input);
    return {
      image: ImageType.from(grant.image),
      url: grant.request.url,
      method: grant.request.method,
      headers: Object.entries(grant.request.headers).map(([name, value]) => ({ name, value })),
      expiresAt: grant.expiresAt,
    };
  }

  @Mutation(() => ImageType, { description: 'Verifies the uploaded bytes and publishes the image. Safe to call again.' })
  async confirmUpload(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<ImageType> {
    return ImageType.from(await ctx.services.uploads.confirmUpload(ctx, id));
  }

  @Mutation(() => Boolean, { description: 'Deletes an image and its stored bytes, and gives its quota back.' })
  deleteImage(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<boolean> {
    return ctx.services.images.delete(ctx, id);
  }

  @FieldResolver(() => UserType, { description: 'Who uploaded the image.' })
  async owner(@Root() image: ImageType, @Ctx() ctx: RequestContext): Promise<UserType> {
    return UserType.from(await ctx.em.findOneOrFail(UserEntity, image.source.owner.id));
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'Short-lived presigned GET URL of the bytes; null when the viewer may not see them or they are not verified yet.',
  })
  async url(@Root() image: ImageType, @Ctx() ctx: RequestContext): Promise<string | null> {
    return (await ctx.services.images.viewUrl(ctx, image.source))?.url ?? null;
  }

  @FieldResolver(() => Date, { nullable: true, description: 'When `url` stops working.' })
  async urlExpiresAt(@Root() image: ImageType, @Ctx() ctx: RequestContext): Promise<Date | null> {
    return (await ctx.services.images.viewUrl(ctx, image.source))?.expiresAt ?? null;
  }
}

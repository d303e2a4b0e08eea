import type { FilterQuery } from '@mikro-orm/core';
import { LockMode } from '@mikro-orm/postgresql';
import type { RequestContext } from '../../context';
import { badInput, notFound, unauthenticated, forbidden } from '../../errors/app-error';
import type { Metrics } from '../../metrics/metrics';
import type { ObjectStorage, ViewUrl } from '../../storage/object-storage';
import { hasScope, Scope } from '../auth/roles';
import { requireScope } from '../tokens/scopes';
import { ImageEntity } from './image.entity';
import { ImagePurpose, ImageStatus, Visibility } from './image.enums';
import { ImagePolicy } from './image.policy';
import { QuotaService } from './quota.service';

export interface ImageListFilter {
  status?: ImageStatus | null;
  purpose?: ImagePurpose | null;
  visibility?: Visibility | null;
  /** Only the viewer's own images. */
  mine?: boolean | null;
}

export interface PageRequest {
  first?: number | null;
  after?: string | null;
}

export interface ImagePage {
  edges: { cursor: string; node: ImageEntity }[];
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: number;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Opaque keyset cursor over (createdAt, id), newest first. */
export function encodeCursor(image: Pick<ImageEntity, 'createdAt' | 'id'>): string {
  return Buffer.from(`${image.createdAt.toISOString()}|${image.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(iso);
  if (!id || Number.isNaN(createdAt.getTime())) {
    throw badInput(`The cursor "${cursor}" is not valid. Pass an endCursor or cursor from an earlier page.`, 'after');
  }
  return { createdAt, id };
}

/** Reads and deletes images, always through {@link ImagePolicy}. */
export class ImageService {
  private readonly quota = new QuotaService();

  constructor(
    private readonly storage: ObjectStorage,
    private readonly metrics: Metrics,
  ) {}

  /** Returns the image, or null when it is missing or hidden from the viewer. */
  async findVisible(ctx: RequestContext, id: string): Promise<ImageEntity | null> {
    if (ctx.viewer) requireScope(ctx.viewer, Scope.IMAGES_READ, 'image');
    if (!isUuid(id)) return null;
    const image = await ctx.em.findOne(ImageEntity, { id });
    return image && ImagePolicy.canSee(ctx.viewer, image, await ctx.services.settings.visibilityFor(ctx)) ? image : null;
  }

  async list(ctx: RequestContext, page: PageRequest, filter: ImageListFilter = {}): Promise<ImagePage> {
    if (ctx.viewer) requireScope(ctx.viewer, Scope.IMAGES_READ, 'images');
    const first = pageSize(page.first);
    const conditions: FilterQuery<ImageEntity>[] = [
      ImagePolicy.visibleFilter(ctx.viewer, await ctx.services.settings.visibilityFor(ctx)),
    ];
    if (filter.status) conditions.push({ status: filter.status });
    if (filter.purpose) conditions.push({ purpose: filter.purpose });
    if (filter.visibility) conditions.push({ visibility: filter.visibility });
    if (filter.mine) conditions.push({ owner: ctx.viewer?.userId ?? null });
    const where: FilterQuery<ImageEntity> = { $and: conditions };

    const keyset: FilterQuery<ImageEntity>[] = [];
    if (page.after) {
      const cursor = decodeCursor(page.after);
      keyset.push({
        $or: [{ createdAt: { $lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { $lt: cursor.id } }],
      });
    }

    const [rows, totalCount] = await Promise.all([
      ctx.em.find(ImageEntity, { $and: [where, ...keyset] }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: first + 1 }),
      ctx.em.count(ImageEntity, where),
    ]);
    const nodes = rows.slice(0, first);
    const edges = nodes.map((node) => ({ cursor: encodeCursor(node), node }));
    return {
      edges,
      hasNextPage: rows.length > first,
      endCursor: edges.length > 0 ? edges[edges.length - 1].cursor : null,
      totalCount,
    };
  }

  /**
   * Returns a view URL when the viewer may see the bytes, otherwise null. An
   * API token without images:read gets null; one past its view URL budget gets
   * VIEW_URL_BUDGET_EXHAUSTED, which leaves the field null with that error.
   */
  async viewUrl(ctx: RequestContext, image: ImageEntity): Promise<ViewUrl | null> {
    if (ctx.viewer && !hasScope(ctx.viewer, Scope.IMAGES_READ)) return null;
    if (!ImagePolicy.canViewBytes(ctx.viewer, image, await ctx.services.settings.visibilityFor(ctx))) return null;
    if (ctx.viewUrlBudget && !ctx.viewUrlBudget.take(image.id)) throw ctx.viewUrlBudget.exhaustedError();
    const stopTimer = this.metrics.viewUrlSigning.startTimer();
    try {
      return await this.storage.createViewUrl({ key: image.objectKey! });
    } finally {
      stopTimer();
    }
  }

  /**
   * Deletes the stored object first, then the row, and gives the quota back.
   * If storage fails nothing changes, so the caller can retry.
   */
  async delete(ctx: RequestContext, id: string): Promise<boolean> {
    if (!ctx.viewer) throw unauthenticated();
    const viewer = ctx.viewer;
    requireScope(viewer, Scope.IMAGES_WRITE, 'deleteImage');
    const settings = await ctx.services.settings.visibilityFor(ctx);
    return ctx.em.transactional(async (em) => {
      const image = isUuid(id) ? await em.findOne(ImageEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE }) : null;
      if (!image || !ImagePolicy.canSee(viewer, image, settings)) throw notFound('image', id);
      if (!ImagePolicy.canDelete(viewer, image)) throw forbidden('delete this image');

      const keys = [`incoming/${image.id}`];
      if (image.objectKey) keys.push(image.objectKey);
      await this.storage.deleteMany(keys);

      if (image.status === ImageStatus.PENDING_UPLOAD) {
        await this.quota.release(em, image.owner.id, image.byteSize);
      } else if (image.objectKey) {
        await this.quota.free(em, image.owner.id, image.byteSize);
      }
      em.remove(image);
      await em.flush();
      ctx.logger.info({ event: 'image.deleted', imageId: id });
      return true;
    });
  }
}

export function pageSize(first: number | null | undefined): number {
  if (first === undefined || first === null) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badInput(`first=${first} is out of range. Ask for between 1 and ${MAX_PAGE_SIZE} items.`, 'first', { max: MAX_PAGE_SIZE });
  }
  return first;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID_PATTERN.test(value);

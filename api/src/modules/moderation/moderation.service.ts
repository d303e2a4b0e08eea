import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import type { Config } from '../../config/config';
import type { RequestContext, Viewer } from '../../context';
import { AppError, badInput, notFound, type ErrorCode } from '../../errors/app-error';
import type { Metrics } from '../../metrics/metrics';
import type { ObjectStorage } from '../../storage/object-storage';
import { requirePermission, viewerHas } from '../admin/permission-guard';
import { Permission } from '../auth/roles';
import { ImageEntity } from '../images/image.entity';
import { ImageStatus } from '../images/image.enums';
import { ImagePolicy, type VisibilitySettings } from '../images/image.policy';
import { isUuid, pageSize, type ImagePage, type PageRequest } from '../images/image.service';
import { AuditAction, AuditTarget, ClassifierDecision, type AutomatedResult } from './audit-log.entity';
import type { ImageClassifier } from './image-classifier';
import { activeLeases, claimImages, decideImages, queueStats, releaseImages, type Lease } from './moderation-lease';
import { RequestBatcher } from './request-batcher';
import { runClassifier } from './run-classifier';

export const REJECTION_REASON_MAX_LENGTH = 500;
export const DEFAULT_CLAIM_SIZE = 10;
export const MAX_CLAIM_SIZE = 50;
/** Most images one bulk approve or reject may name. */
export const MAX_BULK_IMAGES = 100;

type Decision = ImageStatus.APPROVED | ImageStatus.REJECTED;

/** An image a bulk decision left alone, with the error a single decision would have raised. */
export interface SkippedImage {
  id: string;
  code: ErrorCode;
  message: string;
}

export interface DecisionOutcome {
  decided: ImageEntity[];
  skipped: SkippedImage[];
}

export interface ClaimedBatch {
  images: ImageEntity[];
  leaseExpiresAt: Date | null;
}

/** Opaque keyset cursor over (confirmedAt, id), oldest first: the order images entered review. */
function encodeQueueCursor(image: ImageEntity): string {
  return Buffer.from(`queue|${(image.confirmedAt ?? image.createdAt).toISOString()}|${image.id}`).toString('base64url');
}

function decodeQueueCursor(cursor: string): { confirmedAt: Date; id: string } {
  const [kind, iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const confirmedAt = new Date(iso);
  if (kind !== 'queue' || !id || !isUuid(id) || Number.isNaN(confirmedAt.getTime())) {
    throw badInput(`The cursor "${cursor}" is not valid. Pass an endCursor or cursor from an earlier moderationQueue page.`, 'after');
  }
  return { confirmedAt, id };
}

/**
 * The review queue: listing, leases, decisions by moderators and by the
 * classifier, each decision written to the audit log in the same transaction.
 */
export class ModerationService {
  private readonly leases = new RequestBatcher<Lease>((ctx, ids) => activeLeases(ctx.em, ids));
  private readonly automatedResults = new RequestBatcher<AutomatedResult>((ctx, ids) =>
    ctx.services.auditLog.latestAutomatedResults(ctx.em, ids),
  );

  constructor(
    private readonly config: Config,
    private readonly storage: ObjectStorage,
    private readonly classifier: ImageClassifier,
    private readonly metrics: Metrics,
  ) {}

  /** Lists every image in review, oldest first, whoever holds it. */
  async queue(ctx: RequestContext, page: PageRequest): Promise<ImagePage> {
    const viewer = requirePermission(ctx, Permission.MODERATE_IMAGES, 'see the moderation queue');
    const first = pageSize(page.first);
    const settings = await ctx.services.settings.visibilityFor(ctx);
    const where: FilterQuery<ImageEntity> = { $and: [ImagePolicy.visibleFilter(viewer, settings), { status: ImageStatus.IN_REVIEW }] };
    const keyset: FilterQuery<ImageEntity>[] = [];
    if (page.after) {
      const cursor = decodeQueueCursor(page.after);
      keyset.push({
        $or: [{ confirmedAt: { $gt: cursor.confirmedAt } }, { confirmedAt: cursor.confirmedAt, id: { $gt: cursor.id } }],
      });
    }

    const [rows, totalCount] = await Promise.all([
      ctx.em.find(ImageEntity, { $and: [where, ...keyset] }, { orderBy: { confirmedAt: 'asc', id: 'asc' }, limit: first + 1 }),
      ctx.em.count(ImageEntity, where),
    ]);
    const edges = rows.slice(0, first).map((node) => ({ cursor: encodeQueueCursor(node), node }));
    return {
      edges,
      hasNextPage: rows.length > first,
      endCursor: edges.length > 0 ? edges[edges.length - 1].cursor : null,
      totalCount,
    };
  }

  /** Leases up to `size` images to the viewer; see {@link claimImages}. */
  async claim(ctx: RequestContext, size: number | null | undefined): Promise<ClaimedBatch> {
    const viewer = requirePermission(ctx, Permission.MODERATE_IMAGES, 'claim images for review');
    const batchSize = size ?? DEFAULT_CLAIM_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_CLAIM_SIZE) {
      throw badInput(`size=${batchSize} is out of range. Claim between 1 and ${MAX_CLAIM_SIZE} images.`, 'size', { max: MAX_CLAIM_SIZE });
    }

    const claimed = await ctx.em.transactional((em) => claimImages(em, viewer.userId, batchSize, this.config.moderation.leaseSeconds));
    const settings = await ctx.services.settings.visibilityFor(ctx);
    const rows = await ctx.em.find(ImageEntity, { id: { $in: claimed.ids } }, { orderBy: { confirmedAt: 'asc', id: 'asc' }, refresh: true });
    const images = rows.filter((image) => ImagePolicy.canSee(viewer, image, settings));
    // Only reachable if the policy and the queue disagree; never hold what the moderator cannot see.
    const hidden = rows.filter((image) => !images.includes(image)).map((image) => image.id);
    if (hidden.length > 0) await releaseImages(ctx.em, viewer.userId, hidden);

    for (const image of images) {
      this.leases.prime(ctx, image.id, { claimedById: viewer.userId, expiresAt: claimed.expiresAt! });
    }
    ctx.logger.info({ event: 'moderation.claimed', moderatorId: viewer.userId, count: images.length, leaseExpiresAt: claimed.expiresAt });
    return { images, leaseExpiresAt: images.length > 0 ? claimed.expiresAt : null };
  }

  /** Gives up the viewer's leases on `ids`; returns the ids that were released. */
  async release(ctx: RequestContext, ids: readonly string[]): Promise<string[]> {
    const viewer = requirePermission(ctx, Permission.MODERATE_IMAGES, 'release claimed images');
    const valid = this.validateIds(ids).filter(isUuid);
    const released = await releaseImages(ctx.em, viewer.userId, valid);
    ctx.logger.info({ event: 'moderation.released', moderatorId: viewer.userId, count: released.length });
    return released;
  }

  async approve(ctx: RequestContext, id: string): Promise<ImageEntity> {
    return this.decideOne(ctx, id, ImageStatus.APPROVED, null);
  }

  async reject(ctx: RequestContext, id: string, reason: string): Promise<ImageEntity> {
    return this.decideOne(ctx, id, ImageStatus.REJECTED, reason);
  }

  async approveMany(ctx: RequestContext, ids: readonly string[]): Promise<DecisionOutcome> {
    return this.decideMany(ctx, ids, ImageStatus.APPROVED, null);
  }

  async rejectMany(ctx: RequestContext, ids: readonly string[], reason: string): Promise<DecisionOutcome> {
    return this.decideMany(ctx, ids, ImageStatus.REJECTED, reason);
  }

  /**
   * Runs the classifier on an image that confirm just moved to IN_REVIEW and
   * applies its verdict. A failing, slow or malformed classifier leaves the
   * image to a moderator; confirm never fails because of it.
   */
  async classifyConfirmed(ctx: RequestContext, image: ImageEntity): Promise<ImageEntity> {
    if (image.status !== ImageStatus.IN_REVIEW || !image.objectKey) return image;
    const objectKey = image.objectKey;
    const verdict = await runClassifier(ctx, this.classifier, this.config.moderation.classifierTimeoutMs, {
      imageId: image.id,
      filename: image.filename,
      contentType: image.contentType,
      byteSize: Number(image.byteSize),
      width: image.width ?? null,
      height: image.height ?? null,
      viewUrl: async () => (await this.storage.createViewUrl({ key: objectKey })).url,
    });
    if (!verdict) return image;

    const result: AutomatedResult = {
      classifier: this.classifier.name,
      decision: verdict.decision,
      labels: verdict.labels,
      score: verdict.score,
    };
    const status =
      verdict.decision === ClassifierDecision.APPROVE
        ? ImageStatus.APPROVED
        : verdict.decision === ClassifierDecision.REJECT
          ? ImageStatus.REJECTED
          : null;
    const reason =
      status === ImageStatus.REJECTED
        ? (verdict.reason?.trim().slice(0, REJECTION_REASON_MAX_LENGTH) ||
          `The automated check rejected the image${verdict.labels.length > 0 ? ` (${verdict.labels.join(', ')})` : ''}.`)
        : null;

    const applied = await ctx.em.transactional(async (em) => {
      if (status === null) {
        await ctx.services.auditLog.record(em, ctx, {
          action: AuditAction.IMAGE_SENT_TO_REVIEW,
          targetType: AuditTarget.IMAGE,
          targetId: image.id,
          classifier: this.classifier.name,
          automatedResult: result,
        });
        return true;
      }
      // The same conditional update as a moderator's: an image a moderator already decided or
      // holds is left alone, so a classifier can never publish what a moderator rejected.
      const decided = await decideImages(em, [image.id], status, reason, null);
      if (decided.length === 0) return false;
      await ctx.services.auditLog.record(em, ctx, {
        action: status === ImageStatus.APPROVED ? AuditAction.IMAGE_APPROVED : AuditAction.IMAGE_REJECTED,
        targetType: AuditTarget.IMAGE,
        targetId: image.id,
        classifier: this.classifier.name,
        reason,
        automatedResult: result,
      });
      return true;
    });

    if (!applied) {
      ctx.logger.info({ event: 'moderation.classifier_verdict_skipped', imageId: image.id, decision: verdict.decision });
    } else if (status) {
      this.metrics.moderationDecisions.inc({ decision: status.toLowerCase(), source: 'classifier' });
    }
    ctx.logger.info({ event: 'moderation.classified', imageId: image.id, ...result, applied });
    return ctx.em.findOneOrFail(ImageEntity, image.id, { refresh: true });
  }

  /** Returns the live lease on an image, for moderators; null for everyone else. */
  async leaseOf(ctx: RequestContext, image: ImageEntity): Promise<Lease | null> {
    if (!viewerHas(ctx, Permission.MODERATE_IMAGES) || image.status !== ImageStatus.IN_REVIEW) return null;
    return (await this.leases.load(ctx, image.id)) ?? null;
  }

  /** Returns the latest classifier verdict on an image, for moderators; null for everyone else. */
  async automatedResultOf(ctx: RequestContext, image: ImageEntity): Promise<AutomatedResult | null> {
    if (!viewerHas(ctx, Permission.MODERATE_IMAGES)) return null;
    return (await this.automatedResults.load(ctx, image.id)) ?? null;
  }

  queueStats(em: EntityManager) {
    return queueStats(em);
  }

  private async decideOne(ctx: RequestContext, id: string, status: Decision, reason: string | null): Promise<ImageEntity> {
    const outcome = await this.decideMany(ctx, [id], status, reason);
    const skipped = outcome.skipped[0];
    if (skipped) throw new AppError(skipped.code, skipped.message, { id });
    return outcome.decided[0];
  }

  private async decideMany(ctx: RequestContext, ids: readonly string[], status: Decision, reason: string | null): Promise<DecisionOutcome> {
    const viewer = requirePermission(ctx, Permission.MODERATE_IMAGES, status === ImageStatus.APPROVED ? 'approve images' : 'reject images');
    const unique = this.validateIds(ids);
    const rejectionReason = status === ImageStatus.REJECTED ? this.validateReason(reason) : null;
    const settings = await ctx.services.settings.visibilityFor(ctx);
    const wellFormed = unique.filter(isUuid);

    const decidedIds = await ctx.em.transactional(async (em) => {
      const candidates = await em.find(ImageEntity, { id: { $in: wellFormed } });
      const visible = candidates.filter((image) => ImagePolicy.canSee(viewer, image, settings)).map((image) => image.id);
      const decided = await decideImages(em, visible, status, rejectionReason, viewer.userId);
      const automated = await ctx.services.auditLog.latestAutomatedResults(em, decided);
      await ctx.services.auditLog.record(
        em,
        ctx,
        ...decided.map((imageId) => ({
          action: status === ImageStatus.APPROVED ? AuditAction.IMAGE_APPROVED : AuditAction.IMAGE_REJECTED,
          targetType: AuditTarget.IMAGE,
          targetId: imageId,
          reason: rejectionReason,
          automatedResult: automated.get(imageId) ?? null,
        })),
      );
      return new Set(decided);
    });

    const rows = await ctx.em.find(ImageEntity, { id: { $in: wellFormed } }, { refresh: true });
    const byId = new Map(rows.map((image) => [image.id, image]));
    const others = unique.filter((id) => !decidedIds.has(id));
    const leases = await activeLeases(ctx.em, others.filter((id) => byId.has(id)));
    const outcome: DecisionOutcome = { decided: [], skipped: [] };
    for (const id of unique) {
      const image = byId.get(id);
      if (decidedIds.has(id) && image) outcome.decided.push(image);
      else outcome.skipped.push(this.explainSkip(viewer, id, image, leases.get(id), settings));
    }

    if (outcome.decided.length > 0) {
      this.metrics.moderationDecisions.inc({ decision: status.toLowerCase(), source: 'moderator' }, outcome.decided.length);
    }
    ctx.logger.info({
      event: 'moderation.decided',
      decision: status,
      moderatorId: viewer.userId,
      imageIds: outcome.decided.map((image) => image.id),
      skipped: outcome.skipped.length,
    });
    return outcome;
  }

  private explainSkip(
    viewer: Viewer,
    id: string,
    image: ImageEntity | undefined,
    lease: Lease | undefined,
    settings: VisibilitySettings,
  ): SkippedImage {
    if (!image || !ImagePolicy.canSee(viewer, image, settings)) {
      return { id, code: 'NOT_FOUND', message: notFound('image', id).message };
    }
    if (image.status !== ImageStatus.IN_REVIEW) {
      return {
        id,
        code: 'INVALID_STATE',
        message: `Image "${id}" is ${image.status}, not IN_REVIEW, so it cannot be approved or rejected. It was decided already or never entered review.`,
      };
    }
    if (lease && lease.claimedById !== viewer.userId) {
      return {
        id,
        code: 'IMAGE_CLAIMED',
        message: `Another moderator holds image "${id}" until ${lease.expiresAt.toISOString()}. Claim a batch to get images nobody holds.`,
      };
    }
    // The image changed between the decision and this check; deciding again will tell.
    return { id, code: 'INVALID_STATE', message: `Image "${id}" changed while it was being decided. Load it again and retry.` };
  }

  private validateIds(ids: readonly string[]): string[] {
    const unique = [...new Set(ids)];
    if (unique.length === 0) throw badInput('The list of image ids is empty. Name at least one image.', 'ids');
    if (unique.length > MAX_BULK_IMAGES) {
      throw badInput(`${unique.length} image ids were sent; the maximum is ${MAX_BULK_IMAGES}. Split the request.`, 'ids', {
        max: MAX_BULK_IMAGES,
      });
    }
    return unique;
  }

  private validateReason(reason: string | null): string {
    const trimmed = (reason ?? '').trim();
    if (trimmed.length === 0) {
      throw badInput('The rejection reason is empty. Say why the image is rejected; the owner sees this text.', 'reason');
    }
    const length = [...trimmed].length;
    if (length > REJECTION_REASON_MAX_LENGTH) {
      throw badInput(
        `The rejection reason has ${length} characters; the maximum is ${REJECTION_REASON_MAX_LENGTH}. Shorten it.`,
        'reason',
        { maxLength: REJECTION_REASON_MAX_LENGTH },
      );
    }
    return trimmed;
  }
}

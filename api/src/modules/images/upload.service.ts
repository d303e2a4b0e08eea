import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { EntityManager } from '@mikro-orm/postgresql';
import { create as contentDisposition } from 'content-disposition';
import type { Config } from '../../config/config';
import type { RequestContext } from '../../context';
import { AppError, badInput, notFound, unauthenticated } from '../../errors/app-error';
import type { Metrics } from '../../metrics/metrics';
import { type ObjectStorage, type PresignedRequest, SourceChangedError } from '../../storage/object-storage';
import { Scope } from '../auth/roles';
import type { RateLimitCheck, RateLimitService } from '../rate-limit/rate-limit.service';
import { requireScope } from '../tokens/scopes';
import { finalKey, type ImageEntity, imageFromRow, type ImageRow, incomingKey } from './image.entity';
import { ImagePurpose, ImageStatus, Visibility } from './image.enums';
import { INSPECT_WINDOW_BYTES, InspectionFailure, inspectImage } from './inspect-bytes';
import { isUuid } from './image.service';
import { QuotaService } from './quota.service';

export interface UploadRequest {
  filename: string;
  contentType: string;
  byteSize: number;
  purpose?: ImagePurpose | null;
  visibility?: Visibility | null;
  sha256?: string | null;
}

export interface UploadGrant {
  image: ImageEntity;
  request: PresignedRequest;
  expiresAt: Date;
}

/** True when both ETags are known and differ: the object is not the one that was checked. */
const changedSince = (checked: string | undefined, seen: string | undefined) => checked !== undefined && seen !== undefined && checked !== seen;

const replacedDuringConfirm = () =>
  new InspectionFailure(
    'REPLACED',
    'The file was replaced by another upload while it was being checked. Request a new grant and upload the file once.',
  );

/** Seconds a client should wait before it confirms again, sent as retryAfterSeconds with UPLOAD_NOT_FOUND and CONFIRM_IN_PROGRESS. */
const CONFIRM_RETRY_SECONDS = 2;

/**
 * How long a confirm owns its row. A confirm that runs longer changes nothing,
 * because its final update requires the lease, and the next confirm starts over.
 */
export const CONFIRM_LEASE_SECONDS = 120;

/** First and longest pause between two reads of a row that another confirm holds. */
const LEASE_POLL_FIRST_MS = 25;
const LEASE_POLL_MAX_MS = 500;

/**
 * How long a confirm waits for another confirm of the same image before it
 * fails with CONFIRM_IN_PROGRESS. A confirm takes well under a second unless
 * storage is slow, and a lease left by a crashed process lasts until it expires.
 */
export const CONFIRM_WAIT_MS = 5000;

type ConfirmOutcome =
  | { lost: false; image: ImageEntity; failure: string | undefined }
  /** The lease ran out first and nothing was written. `copiedTo` is the final copy this confirm made, if any. */
  | { lost: true; copiedTo: string | undefined };

/**
 * Issues upload grants and confirms uploads. The API never carries image
 * bytes: the grant lets the client PUT straight to storage, and confirm reads
 * only a few kilobytes of the stored object.
 */
export class UploadService {
  private readonly quota = new QuotaService();

  constructor(
    private readonly config: Config,
    private readonly storage: ObjectStorage,
    private readonly rateLimits: RateLimitService,
    private readonly metrics: Metrics,
  ) {}

  /** Returns the limits that {@link requestUpload} and confirm apply to every file. */
  limits(): { maxBytes: number; allowedTypes: string[]; maxPixels: number; filenameMaxLength: number; grantTtlSeconds: number } {
    const upload = this.config.upload;
    return {
      maxBytes: upload.maxBytes,
      allowedTypes: [...upload.allowedTypes],
      maxPixels: upload.maxPixels,
      filenameMaxLength: upload.filenameMaxLength,
      grantTtlSeconds: upload.grantTtlSeconds,
    };
  }

  async requestUpload(ctx: RequestContext, input: UploadRequest): Promise<UploadGrant> {
    if (!ctx.viewer) throw unauthenticated();
    const viewer = ctx.viewer;
    requireScope(viewer, Scope.IMAGES_WRITE, 'requestUpload');
    const request = this.validate(input);

    const windowSeconds = this.config.upload.rateWindowSeconds;
    const rateChecks: RateLimitCheck[] = [
      { key: `grant:user:${viewer.userId}`, rule: { limit: this.config.upload.rateLimit, windowSeconds }, action: 'upload grant' },
    ];
    if (viewer.tokenId) {
      // Counted before the user's limit, so one API token cannot spend the grants of the user's other clients.
      rateChecks.unshift({
        key: `grant:token:${viewer.tokenId}`,
        rule: { limit: this.config.tokens.grantRateLimit, windowSeconds },
        action: 'upload grant (per API token)',
      });
    }

    // SigV4 dates have whole seconds, so the grant is signed at `now` and expires exactly at grantExpiresAt.
    const now = Math.floor(Date.now() / 1000) * 1000;
    const grantExpiresAt = new Date(now + this.config.upload.grantTtlSeconds * 1000);
    const createdAt = new Date();
    const insert = {
      table: 'images',
      values: {
        id: randomUUID(),
        owner_id: viewer.userId,
        filename: request.filename,
        content_type: request.contentType,
        byte_size: request.byteSize,
        sha256: request.sha256Hex ?? null,
        purpose: request.purpose,
        visibility: request.visibility,
        status: ImageStatus.PENDING_UPLOAD,
        grant_expires_at: grantExpiresAt,
        expires_at: request.purpose === ImagePurpose.PROCESSING ? new Date(now + this.config.upload.processingTtlSeconds * 1000) : null,
        created_at: createdAt,
        updated_at: createdAt,
      },
    };
    const counting = this.rateLimits.countingSql(rateChecks);
    const row = await this.quota.reserveAndInsert<ImageRow>(ctx.em, viewer.userId, request.byteSize, insert, counting);
    const image = imageFromRow(row);

    const presigned = await this.storage.createUploadGrant({
      key: incomingKey(image.id),
      contentType: request.contentType,
      contentLength: request.byteSize,
      sha256Base64: request.sha256Hex ? Buffer.from(request.sha256Hex, 'hex').toString('base64') : undefined,
      expiresInSeconds: this.config.upload.grantTtlSeconds,
      signingDate: new Date(now),
    });
    this.metrics.grantsIssued.inc();
    ctx.logger.info({ event: 'upload.grant_issued', imageId: image.id, byteSize: request.byteSize, contentType: request.contentType });
    return { image, request: presigned, expiresAt: grantExpiresAt };
  }

  /**
   * Verifies the stored object and copies it to its final key. Idempotent: an
   * image that is no longer pending is returned as it is. The confirm claims
   * the row with a lease before it reads storage, so the cleanup job leaves the
   * row alone meanwhile and no database connection waits on storage.
   */
  async confirmUpload(ctx: RequestContext, id: string): Promise<ImageEntity> {
    if (!ctx.viewer) throw unauthenticated();
    const viewer = ctx.viewer;
    requireScope(viewer, Scope.IMAGES_WRITE, 'confirmUpload');
    if (!isUuid(id)) throw notFound('image', id);

    let pause = LEASE_POLL_FIRST_MS;
    let copiedTo: string | undefined;
    const waitUntil = Date.now() + CONFIRM_WAIT_MS;
    for (;;) {
      const claimed = await this.claim(ctx.em, id, viewer.userId);
      if (!claimed) {
        if (copiedTo) await this.deleteOrphanedCopy(ctx, id, copiedTo);
        throw notFound('image', id);
      }
      const { image, lease } = claimed;
      if (image.status !== ImageStatus.PENDING_UPLOAD) {
        if (copiedTo && image.status === ImageStatus.EXPIRED) await this.deleteOrphanedCopy(ctx, id, copiedTo);
        return this.settled(image);
      }
      if (!lease) {
        if (Date.now() >= waitUntil) {
          throw new AppError(
            'CONFIRM_IN_PROGRESS',
            `Another confirm of image "${id}" is still running. Confirm again in ${CONFIRM_RETRY_SECONDS} s to get its outcome.`,
            { imageId: id, retryAfterSeconds: CONFIRM_RETRY_SECONDS },
          );
        }
        // Another confirm of this image is running: wait for its outcome, as a row lock would.
        await delay(pause);
        pause = Math.min(pause * 2, LEASE_POLL_MAX_MS);
        continue;
      }

      const outcome = await this.verifyAndPublish(ctx, image, lease);
      if (outcome.lost) {
        // The lease ran out before the outcome was written, so the row may have changed: look again.
        copiedTo = outcome.copiedTo;
        continue;
      }
      if (outcome.failure) {
        throw new AppError('UPLOAD_MISMATCH', outcome.failure, { imageId: id, status: ImageStatus.REJECTED });
      }
      // Only the confirm that verified the bytes runs the classifier. A repeated confirm returns the image as it is.
      if (outcome.image.status === ImageStatus.IN_REVIEW) return ctx.services.moderation.classifyConfirmed(ctx, outcome.image);
      return outcome.image;
    }
  }

  /**
   * Reads the viewer's image and, when it is pending and no other confirm
   * holds it, takes the lease in the same statement. Returns null when the
   * viewer has no such image, and `lease` only when this call took it.
   */
  private async claim(em: EntityManager, id: string, ownerId: string): Promise<{ image: ImageEntity; lease: string | null } | null> {
    const [row] = await em.execute<(ImageRow & { lease: string | null })[]>(
      `with target as (
         select * from images where id = ? and owner_id = ?
       ), claimed as (
         update images set confirm_lease_until = now() + make_interval(secs => ?)
          where id in (select id from target) and status = 'PENDING_UPLOAD'
            and (confirm_lease_until is null or confirm_lease_until <= now())
         returning confirm_lease_until::text as lease
       )
       select target.*, (select lease from claimed) as lease from target`,
      [id, ownerId, CONFIRM_LEASE_SECONDS],
    );
    return row ? { image: imageFromRow(row), lease: row.lease } : null;
  }

  /** Returns an image that is no longer pending, or throws the error a confirm of it gets. */
  private settled(image: ImageEntity): ImageEntity {
    if (image.status === ImageStatus.EXPIRED) {
      throw new AppError('GRANT_EXPIRED', `The upload grant for image "${image.id}" expired. Request a new grant and upload again.`, {
        imageId: image.id,
      });
    }
    if (image.status === ImageStatus.REJECTED && !image.objectKey) {
      throw new AppError('UPLOAD_MISMATCH', image.rejectionReason ?? 'The uploaded bytes were rejected.', {
        imageId: image.id,
        status: ImageStatus.REJECTED,
      });
    }
    return image;
  }

  /** Deletes the final copy of a confirm whose row expired or was deleted while it ran. */
  private async deleteOrphanedCopy(ctx: RequestContext, id: string, key: string): Promise<void> {
    try {
      await this.storage.deleteMany([key]);
    } catch (error) {
      // The reconcile job deletes objects that no row claims, so it removes this copy later.
      ctx.logger.warn({ event: 'upload.orphan_delete_failed', imageId: id, key, err: error });
    }
  }

  private async verifyAndPublish(ctx: RequestContext, image: ImageEntity, lease: string): Promise<ConfirmOutcome> {
    try {
      return await this.checkAndCopy(ctx, image, lease);
    } catch (error) {
      // No outcome was written: give the lease back, so a retry can claim the row at once.
      await ctx.em
        .execute(`update images set confirm_lease_until = null where id = ? and confirm_lease_until = ?::timestamptz`, [image.id, lease])
        .catch((releaseError: unknown) => ctx.logger.warn({ event: 'upload.lease_release_failed', imageId: image.id, err: releaseError }));
      throw error;
    }
  }

  private async checkAndCopy(ctx: RequestContext, image: ImageEntity, lease: string): Promise<ConfirmOutcome> {
    const source = incomingKey(image.id);
    // One ranged GET gives the object's size and its first bytes.
    const stored = await this.storage.read(source, 0, INSPECT_WINDOW_BYTES);
    if (!stored) {
      if (Date.now() > image.grantExpiresAt.getTime()) {
        throw new AppError('GRANT_EXPIRED', `The upload grant for image "${image.id}" expired before the file arrived. Request a new grant.`, {
          imageId: image.id,
        });
      }
      throw new AppError(
        'UPLOAD_NOT_FOUND',
        `No upload for image "${image.id}" is in storage yet. Finish the PUT to the grant URL, then confirm again.`,
        { imageId: image.id, retryAfterSeconds: CONFIRM_RETRY_SECONDS, grantExpiresAt: image.grantExpiresAt.toISOString() },
      );
    }

    const target = finalKey(image.id);
    try {
      if (stored.size === 0) throw new InspectionFailure('EMPTY', 'The uploaded file is empty. Upload the image again.');
      if (stored.size !== image.byteSize) {
        throw new InspectionFailure(
          'SIZE_MISMATCH',
          `The stored file has ${stored.size} bytes but the grant was for ${image.byteSize}. Request a grant with the real size.`,
        );
      }
      const inspected = await inspectImage(
        stored.bytes,
        async (offset, length) => {
          const range = await this.storage.read(source, offset, length);
          if (range && changedSince(stored.etag, range.etag)) throw replacedDuringConfirm();
          return range?.bytes ?? Buffer.alloc(0);
        },
        image.contentType,
        this.config.upload.maxPixels,
      );

      // A PUT with the same grant can replace the object between the check and the copy. The
      // copy is conditional on the ETag that was checked where the store supports it, and the
      // copy's own ETag is compared afterwards where it does not (the embedded server).
      const metadata = { contentType: inspected.contentType, contentDisposition: contentDisposition(image.filename, { type: 'inline' }) };
      const copied = await this.storage.copy(source, target, metadata, stored.etag).catch((error: unknown) => {
        throw error instanceof SourceChangedError ? replacedDuringConfirm() : error;
      });
      if (changedSince(stored.etag, copied.etag)) {
        await this.storage.deleteMany([target]);
        throw replacedDuringConfirm();
      }

      // The upload stays under incoming/ until the grant reaper deletes it in a batch, after the
      // grant expired, together with anything a reused grant URL wrote there after this confirm.
      const published = await this.writeOutcome(
        ctx.em,
        image,
        lease,
        {
          width: inspected.width,
          height: inspected.height,
          content_type: inspected.contentType,
          object_key: target,
          confirmed_at: new Date(),
          status: this.statusAfterConfirm(image),
          sweep_incoming: true,
        },
        'commit',
      );
      if (!published) return { lost: true, copiedTo: target };
      this.metrics.uploadsConfirmed.inc();
      ctx.logger.info({
        event: 'upload.confirmed',
        imageId: published.id,
        status: published.status,
        width: published.width,
        height: published.height,
      });
      return { lost: false, image: published, failure: undefined };
    } catch (error) {
      if (!(error instanceof InspectionFailure)) throw error;
      await this.storage.deleteMany([source]);
      const rejected = await this.writeOutcome(
        ctx.em,
        image,
        lease,
        { status: ImageStatus.REJECTED, rejection_reason: error.message, sweep_incoming: true },
        'release',
      );
      if (!rejected) return { lost: true, copiedTo: undefined };
      this.metrics.uploadsRejected.inc({ reason: error.reason });
      ctx.logger.info({ event: 'upload.rejected', imageId: image.id, reason: error.reason });
      return { lost: false, image: rejected, failure: error.message };
    }
  }

  /**
   * Writes the outcome of a confirm, ends its lease and moves the owner's
   * reservation in one statement: `commit` turns it into stored usage,
   * `release` gives it back. Returns the updated image, or null when the
   * lease is no longer this confirm's and nothing changed.
   */
  private async writeOutcome(
    em: EntityManager,
    image: ImageEntity,
    lease: string,
    changes: Record<string, unknown>,
    reservation: 'commit' | 'release',
  ): Promise<ImageEntity | null> {
    const columns = Object.keys(changes);
    const [row] = await em.execute<ImageRow[]>(
      `with updated as (
         update images set ${columns.map((column) => `${column} = ?`).join(', ')}, confirm_lease_until = null, updated_at = ?
          where id = ? and status = 'PENDING_UPLOAD' and confirm_lease_until = ?::timestamptz
         returning *
       ), quota as (${reservation === 'commit' ? QuotaService.COMMIT_SQL : QuotaService.RELEASE_SQL} and exists (select 1 from updated))
       select * from updated`,
      [
        ...Object.values(changes),
        new Date(),
        image.id,
        lease,
        image.byteSize,
        ...(reservation === 'commit' ? [image.byteSize] : []),
        image.owner.id,
      ],
    );
    return row ? imageFromRow(row) : null;
  }

  private statusAfterConfirm(image: ImageEntity): ImageStatus {
    const needsReview = image.purpose === ImagePurpose.GALLERY && image.visibility === Visibility.PUBLIC;
    return needsReview ? ImageStatus.IN_REVIEW : ImageStatus.APPROVED;
  }

  private validate(input: UploadRequest) {
    const limits = this.config.upload;
    const filename = input.filename;
    const length = [...filename].length;
    if (length === 0 || filename.trim().length === 0) {
      throw badInput('The filename is empty. Send the file\'s name, for example "photo.jpg".', 'filename');
    }
    if (length > limits.filenameMaxLength) {
      throw badInput(
        `The filename has ${length} characters; the maximum is ${limits.filenameMaxLength}. Shorten it.`,
        'filename',
        { maxLength: limits.filenameMaxLength },
      );
    }
    if (filename.includes('\u0000')) {
      throw badInput('The filename contains a NUL character. Remove it and try again.', 'filename');
    }

    const contentType = input.contentType.split(';')[0].trim().toLowerCase();
    if (!limits.allowedTypes.includes(contentType)) {
      throw new AppError(
        'UNSUPPORTED_TYPE',
        `The content type "${input.contentType}" is not accepted. Upload one of: ${limits.allowedTypes.join(', ')}.`,
        { field: 'contentType', allowedTypes: limits.allowedTypes },
      );
    }

    if (!Number.isSafeInteger(input.byteSize) || input.byteSize <= 0) {
      throw badInput(`The byte size ${input.byteSize} is invalid. Send the file's size in bytes, a positive whole number.`, 'byteSize');
    }
    if (input.byteSize > limits.maxBytes) {
      throw new AppError(
        'FILE_TOO_LARGE',
        `The file has ${input.byteSize} bytes; the maximum is ${limits.maxBytes} bytes. Upload a smaller file.`,
        { field: 'byteSize', maxBytes: limits.maxBytes },
      );
    }

    let sha256Hex: string | undefined;
    if (input.sha256 !== undefined && input.sha256 !== null) {
      if (!/^[0-9a-fA-F]{64}$/.test(input.sha256)) {
        throw badInput(`The sha256 "${input.sha256}" is not 64 hexadecimal digits. Send the file's SHA-256 in hex, or omit it.`, 'sha256');
      }
      sha256Hex = input.sha256.toLowerCase();
    }

    const purpose = input.purpose ?? ImagePurpose.GALLERY;
    const visibility = input.visibility ?? Visibility.PRIVATE;
    if (purpose === ImagePurpose.PROCESSING && visibility === Visibility.PUBLIC) {
      throw badInput('PROCESSING images are always PRIVATE. Omit visibility or set it to PRIVATE.', 'visibility');
    }
    return { filename, contentType, byteSize: input.byteSize, sha256Hex, purpose, visibility };
  }
}

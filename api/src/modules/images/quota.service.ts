import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors/app-error';
import { UserEntity } from '../users/user.entity';

/**
 * Per-user byte and image limits. Each change is one conditional UPDATE, so
 * parallel grant requests (or aliased fields in one operation) cannot overrun
 * a limit between a read and a write.
 */
export class QuotaService {
  /** Reserves room for one upload of `bytes`, or throws QUOTA_EXCEEDED. */
  async reserve(em: EntityManager, userId: string, bytes: number): Promise<void> {
    const rows: unknown[] = await em.execute(
      `update users
          set reserved_bytes = reserved_bytes + ?, reserved_images = reserved_images + 1, updated_at = now()
        where id = ?
          and used_bytes + reserved_bytes + ? <= quota_bytes
          and used_images + reserved_images + 1 <= quota_images
        returning id`,
      [bytes, userId, bytes],
    );
    if (rows.length === 1) return;

    const user = await em.findOneOrFail(UserEntity, userId, { refresh: true });
    const freeBytes = Math.max(0, user.quotaBytes - user.usedBytes - user.reservedBytes);
    const freeImages = Math.max(0, user.quotaImages - user.usedImages - user.reservedImages);
    const reason =
      freeImages < 1
        ? `you already have ${user.usedImages + user.reservedImages} of ${user.quotaImages} images, uploads in progress included`
        : `it needs ${bytes} bytes and ${freeBytes} of your ${user.quotaBytes} bytes are free`;
    throw new AppError('QUOTA_EXCEEDED', `This upload would exceed your quota: ${reason}. Delete images or ask for a higher quota.`, {
      requestedBytes: bytes,
      freeBytes,
      freeImages,
      quotaBytes: user.quotaBytes,
      quotaImages: user.quotaImages,
    });
  }

  /** Turns a reservation into stored usage once the upload is verified. */
  async commit(em: EntityManager, userId: string, bytes: number): Promise<void> {
    await em.execute(
      `update users
          set reserved_bytes = reserved_bytes - ?, reserved_images = reserved_images - 1,
              used_bytes = used_bytes + ?, used_images = used_images + 1, updated_at = now()
        where id = ?`,
      [bytes, bytes, userId],
    );
  }

  /** Gives back a reservation of an upload that was rejected or expired. */
  async release(em: EntityManager, userId: string, bytes: number): Promise<void> {
    await em.execute(
      `update users set reserved_bytes = reserved_bytes - ?, reserved_images = reserved_images - 1, updated_at = now() where id = ?`,
      [bytes, userId],
    );
  }

  /** Gives back the usage of a stored image that was deleted. */
  async free(em: EntityManager, userId: string, bytes: number): Promise<void> {
    await em.execute(
      `update users set used_bytes = used_bytes - ?, used_images = used_images - 1, updated_at = now() where id = ?`,
      [bytes, userId],
    );
  }
}

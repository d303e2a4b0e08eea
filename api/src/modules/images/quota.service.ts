import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors/app-error';
import type { CountingSql } from '../rate-limit/rate-limit.service';
import { UserEntity } from '../users/user.entity';

/** A row to insert together with a reservation; the keys of `values` are SQL column names, written as they are. */
export interface PendingInsert {
  table: string;
  values: Readonly<Record<string, unknown>>;
}

/**
 * Per-user byte and image limits. Each change is one conditional UPDATE, so
 * parallel grant requests (or aliased fields in one operation) cannot overrun
 * a limit between a read and a write.
 */
export class QuotaService {
  /**
   * Reserves room for one upload of `bytes` and inserts `row` in the same
   * statement, so a row never exists without its reservation or the other way
   * round. With `counting`, the same statement also counts the request against
   * rate limits and reserves only when it is within them. Returns the inserted
   * row, or throws RATE_LIMITED or QUOTA_EXCEEDED and inserts nothing.
   */
  async reserveAndInsert<T extends object>(
    em: EntityManager,
    userId: string,
    bytes: number,
    row: PendingInsert,
    counting?: CountingSql,
  ): Promise<T> {
    const columns = Object.keys(row.values);
    const [result] = await em.execute<(T & { id: string | null } & Record<string, unknown>)[]>(
      `with ${counting ? `${counting.ctes},` : ''}
       reserved as (
         update users
            set reserved_bytes = reserved_bytes + ?, reserved_images = reserved_images + 1, updated_at = now()
          where id = ?
            and used_bytes + reserved_bytes + ? <= quota_bytes
            and used_images + reserved_images + 1 <= quota_images
            ${counting ? `and exists (select 1 from ${counting.ok})` : ''}
          returning id
       ), inserted as (
         insert into ${row.table} (${columns.join(', ')})
         select ${columns.map(() => '?').join(', ')} from reserved
         returning *
       )
       select inserted.*${counting ? `, ${counting.report}` : ''} from (values (1)) as one left join inserted on true`,
      [...(counting?.params ?? []), bytes, userId, bytes, ...Object.values(row.values)],
    );
    if (result.id !== null) return result;
    const limited = counting?.exceeded(result);
    if (limited) throw limited;
    throw await this.exceeded(em, userId, bytes);
  }

  private async exceeded(em: EntityManager, userId: string, bytes: number): Promise<AppError> {
    const user = await em.findOneOrFail(UserEntity, userId, { refresh: true });
    const freeBytes = Math.max(0, user.quotaBytes - user.usedBytes - user.reservedBytes);
    const freeImages = Math.max(0, user.quotaImages - user.usedImages - user.reservedImages);
    const reason =
      freeImages < 1
        ? `you already have ${user.usedImages + user.reservedImages} of ${user.quotaImages} images, uploads in progress included`
        : `it needs ${bytes} bytes and ${freeBytes} of your ${user.quotaBytes} bytes are free`;
    return new AppError('QUOTA_EXCEEDED', `This upload would exceed your quota: ${reason}. Delete images or ask for a higher quota.`, {
      requestedBytes: bytes,
      freeBytes,
      freeImages,
      quotaBytes: user.quotaBytes,
      quotaImages: user.quotaImages,
    });
  }

  /**
   * Turns a reservation into stored usage. Parameters: bytes, bytes, user id.
   * Like RELEASE_SQL it ends with its where clause, so a caller can add conditions.
   */
  static readonly COMMIT_SQL = `update users
          set reserved_bytes = reserved_bytes - ?, reserved_images = reserved_images - 1,
              used_bytes = used_bytes + ?, used_images = used_images + 1, updated_at = now()
        where id = ?`;

  /** Gives back a reservation. Parameters: bytes, user id. */
  static readonly RELEASE_SQL = `update users set reserved_bytes = reserved_bytes - ?, reserved_images = reserved_images - 1, updated_at = now() where id = ?`;

  /** Gives back a reservation of an upload that was rejected or expired. */
  async release(em: EntityManager, userId: string, bytes: number): Promise<void> {
    await em.execute(QuotaService.RELEASE_SQL, [bytes, userId]);
  }

  /** Gives back the usage of a stored image that was deleted. */
  async free(em: EntityManager, userId: string, bytes: number): Promise<void> {
    await em.execute(
      `update users set used_bytes = used_bytes - ?, used_images = used_images - 1, updated_at = now() where id = ?`,
      [bytes, userId],
    );
  }

  /**
   * Gives back the reservations (`release`) or stored usage (`free`) of many
   * images in two statements, whatever their number. The first locks the
   * owners in id order, so two batches that lock this way cannot deadlock on
   * them. The second updates each owner once.
   */
  async returnMany(em: EntityManager, kind: 'release' | 'free', images: readonly { ownerId: string; bytes: number }[]): Promise<void> {
    if (images.length === 0) return;
    const rows = JSON.stringify(images.map((image) => ({ owner_id: image.ownerId, bytes: image.bytes })));
    const prefix = kind === 'release' ? 'reserved' : 'used';
    await em.execute(
      `select 1 from users
        where id in (select (value->>'owner_id')::uuid from jsonb_array_elements(?::jsonb))
        order by id
        for update`,
      [rows],
    );
    await em.execute(
      `update users u
          set ${prefix}_bytes = u.${prefix}_bytes - owners.bytes, ${prefix}_images = u.${prefix}_images - owners.images, updated_at = now()
         from (select owner_id, sum(bytes) as bytes, count(*) as images
                 from jsonb_to_recordset(?::jsonb) as image(owner_id uuid, bytes bigint)
                group by owner_id) owners
        where u.id = owners.owner_id`,
      [rows],
    );
  }
}

import type { EntityManager } from '@mikro-orm/postgresql';
import { ImageStatus } from '../images/image.enums';

/**
 * Leases on images in review, kept in `images.claimed_by_id` and
 * `images.lease_expires_at`. Every change is one conditional UPDATE, so the
 * database decides races. A row is held by at most one moderator, and a lease
 * that has expired counts as no lease. A decision applies only to an image
 * that is still IN_REVIEW.
 */

export interface Lease {
  claimedById: string;
  expiresAt: Date;
}

/** SQL condition: nobody holds a live lease on the row, or `moderatorId` does. */
const FREE_OR_HELD_BY = `(claimed_by_id is null or lease_expires_at <= now() or claimed_by_id = ?)`;
const FREE = `(claimed_by_id is null or lease_expires_at <= now())`;

/**
 * Claims up to `size` images for `moderatorId`, oldest in the queue first,
 * and (re)starts the lease on each. Images the moderator already holds come
 * first, so claiming again after a reload returns the same batch. Rows that
 * another transaction has locked are skipped, not waited for, so two
 * moderators claiming at once get disjoint batches.
 */
export async function claimImages(
  em: EntityManager,
  moderatorId: string,
  size: number,
  leaseSeconds: number,
): Promise<{ ids: string[]; expiresAt: Date | null }> {
  const rows: { id: string; lease_expires_at: Date }[] = await em.execute(
    `with candidates as (
       select id from images
        where status = ? and ${FREE_OR_HELD_BY}
        order by (claimed_by_id is not distinct from ?) desc, confirmed_at, id
        limit ?
        for update skip locked
     )
     update images
        set claimed_by_id = ?, lease_expires_at = now() + make_interval(secs => ?)
       from candidates
      where images.id = candidates.id and images.status = ?
      returning images.id, images.lease_expires_at`,
    [ImageStatus.IN_REVIEW, moderatorId, moderatorId, size, moderatorId, leaseSeconds, ImageStatus.IN_REVIEW],
  );
  return { ids: rows.map((row) => row.id), expiresAt: rows.length > 0 ? new Date(rows[0].lease_expires_at) : null };
}

/** Ends the moderator's leases on `ids`, putting those images back in the queue. Returns the released ids. */
export async function releaseImages(em: EntityManager, moderatorId: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows: { id: string }[] = await em.execute(
    `update images set claimed_by_id = null, lease_expires_at = null
      where id in (?) and claimed_by_id = ?
      returning id`,
    [ids, moderatorId],
  );
  return rows.map((row) => row.id);
}

/**
 * Moves images from IN_REVIEW to `status` and ends their leases. A person
 * (`moderatorId`) may decide images that are free or leased to them; a
 * classifier (`moderatorId` null) only images nobody holds. Returns the ids
 * that changed; the others were decided already or are leased to someone else.
 */
export async function decideImages(
  em: EntityManager,
  ids: readonly string[],
  status: ImageStatus.APPROVED | ImageStatus.REJECTED,
  rejectionReason: string | null,
  moderatorId: string | null,
): Promise<string[]> {
  if (ids.length === 0) return [];
  const leaseCondition = moderatorId ? FREE_OR_HELD_BY : FREE;
  const rows: { id: string }[] = await em.execute(
    `update images
        set status = ?, rejection_reason = ?, claimed_by_id = null, lease_expires_at = null, updated_at = now()
      where id in (?) and status = ? and ${leaseCondition}
      returning id`,
    [status, rejectionReason, ids, ImageStatus.IN_REVIEW, ...(moderatorId ? [moderatorId] : [])],
  );
  return rows.map((row) => row.id);
}

/** Returns the live leases on `ids`; images without one are absent from the map. */
export async function activeLeases(em: EntityManager, ids: readonly string[]): Promise<Map<string, Lease>> {
  const leases = new Map<string, Lease>();
  if (ids.length === 0) return leases;
  const rows: { id: string; claimed_by_id: string; lease_expires_at: Date }[] = await em.execute(
    `select id, claimed_by_id, lease_expires_at from images
      where id in (?) and status = ? and claimed_by_id is not null and lease_expires_at > now()`,
    [ids, ImageStatus.IN_REVIEW],
  );
  for (const row of rows) {
    leases.set(row.id, { claimedById: row.claimed_by_id, expiresAt: new Date(row.lease_expires_at) });
  }
  return leases;
}

/** Queue depth and the time the oldest image has waited, for the metrics endpoint. */
export async function queueStats(em: EntityManager): Promise<{ depth: number; oldestAgeSeconds: number }> {
  const [row]: { depth: string; oldest_age_seconds: string | null }[] = await em.execute(
    `select count(*) as depth, extract(epoch from now() - min(confirmed_at)) as oldest_age_seconds
       from images where status = ?`,
    [ImageStatus.IN_REVIEW],
  );
  return { depth: Number(row.depth), oldestAgeSeconds: row.oldest_age_seconds === null ? 0 : Number(row.oldest_age_seconds) };
}

import type { FilterQuery } from '@mikro-orm/postgresql';
import type { RequestContext } from '../../context';
import { badInput, notFound } from '../../errors/app-error';
import { Permission, Role } from '../auth/roles';
import type { ViewerCache } from '../auth/viewer-cache';
import { isUuid, pageSize, type PageRequest } from '../images/image.service';
import { AuditAction, AuditTarget } from '../moderation/audit-log.entity';
import { UserEntity } from '../users/user.entity';
import { requirePermission } from './permission-guard';

export interface UserPage {
  edges: { cursor: string; node: UserEntity }[];
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: number;
}

export interface QuotaChange {
  userId: string;
  limitBytes: number;
  limitCount: number;
}

/** Largest image-count limit; the column is a PostgreSQL integer. */
export const MAX_QUOTA_IMAGES = 2_147_483_647;

const encodeCursor = (user: UserEntity) => Buffer.from(`user|${user.createdAt.toISOString()}|${user.id}`).toString('base64url');

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [kind, iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(iso);
  if (kind !== 'user' || !id || !isUuid(id) || Number.isNaN(createdAt.getTime())) {
    throw badInput(`The cursor "${cursor}" is not valid. Pass an endCursor or cursor from an earlier users page.`, 'after');
  }
  return { createdAt, id };
}

/** `%` and `_` in a search term match themselves, not any text. */
const likePattern = (term: string) => `%${term.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;

/** Admin work on accounts: listing, roles and quotas. Every change is written to the audit log. */
export class UserAdminService {
  constructor(private readonly viewers?: ViewerCache) {}

  /** Lists accounts newest first; `search` matches part of the email address or display name. */
  async list(ctx: RequestContext, page: PageRequest, search?: string | null): Promise<UserPage> {
    requirePermission(ctx, Permission.MANAGE_USERS, 'list users');
    const first = pageSize(page.first);
    const term = search?.trim();
    const where: FilterQuery<UserEntity> = term
      ? { $or: [{ email: { $ilike: likePattern(term) } }, { displayName: { $ilike: likePattern(term) } }] }
      : {};
    const keyset: FilterQuery<UserEntity> = {};
    if (page.after) {
      const cursor = decodeCursor(page.after);
      Object.assign(keyset, {
        $or: [{ createdAt: { $lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { $lt: cursor.id } }],
      });
    }

    const [rows, totalCount] = await Promise.all([
      ctx.em.find(UserEntity, { $and: [where, keyset] }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: first + 1 }),
      ctx.em.count(UserEntity, where),
    ]);
    const edges = rows.slice(0, first).map((node) => ({ cursor: encodeCursor(node), node }));
    return {
      edges,
      hasNextPage: rows.length > first,
      endCursor: edges.length > 0 ? edges[edges.length - 1].cursor : null,
      totalCount,
    };
  }

  /**
   * Changes a user's role. It takes effect on the user's next request, since
   * sessions read the role from the account. Admins cannot change their own
   * role, so the last admin cannot lock everyone out.
   */
  async changeRole(ctx: RequestContext, userId: string, role: Role): Promise<UserEntity> {
    const viewer = requirePermission(ctx, Permission.MANAGE_USERS, 'change roles');
    if (userId === viewer.userId) {
      throw badInput('You cannot change your own role. Ask another admin to do it.', 'userId');
    }
    const changed = await ctx.em.transactional(async (em) => {
      const user = await this.findUser(em, userId);
      const previous = user.role;
      if (previous === role) return user;
      user.role = role;
      await ctx.services.auditLog.record(em, ctx, {
        action: AuditAction.USER_ROLE_CHANGED,
        targetType: AuditTarget.USER,
        targetId: user.id,
        previousValue: previous,
        newValue: role,
      });
      ctx.logger.info({ event: 'admin.role_changed', userId: user.id, from: previous, to: role });
      return user;
    });
    // A trigger notifies the other API processes when the change commits, and this one forgets at once.
    this.viewers?.forgetUser(userId);
    return changed;
  }

  /**
   * Sets a user's limits. A limit below what the user already stores is
   * allowed: nothing is deleted, but new uploads fail until they are under it.
   */
  async changeQuota(ctx: RequestContext, change: QuotaChange): Promise<UserEntity> {
    requirePermission(ctx, Permission.MANAGE_USERS, 'change quotas');
    if (!Number.isSafeInteger(change.limitBytes) || change.limitBytes < 0) {
      throw badInput(`limitBytes=${change.limitBytes} is invalid. Send a whole number of bytes, 0 or more.`, 'limitBytes');
    }
    if (!Number.isSafeInteger(change.limitCount) || change.limitCount < 0 || change.limitCount > MAX_QUOTA_IMAGES) {
      throw badInput(`limitCount=${change.limitCount} is invalid. Send a whole number between 0 and ${MAX_QUOTA_IMAGES}.`, 'limitCount');
    }
    return ctx.em.transactional(async (em) => {
      const user = await this.findUser(em, change.userId);
      const previous = describeQuota(user.quotaBytes, user.quotaImages);
      const next = describeQuota(change.limitBytes, change.limitCount);
      if (previous === next) return user;
      user.quotaBytes = change.limitBytes;
      user.quotaImages = change.limitCount;
      await ctx.services.auditLog.record(em, ctx, {
        action: AuditAction.USER_QUOTA_CHANGED,
        targetType: AuditTarget.USER,
        targetId: user.id,
        previousValue: previous,
        newValue: next,
      });
      ctx.logger.info({ event: 'admin.quota_changed', userId: user.id, limitBytes: change.limitBytes, limitCount: change.limitCount });
      return user;
    });
  }

  private async findUser(em: RequestContext['em'], userId: string): Promise<UserEntity> {
    const user = isUuid(userId) ? await em.findOne(UserEntity, userId) : null;
    if (!user) throw notFound('user', userId);
    return user;
  }
}

const describeQuota = (bytes: number, images: number) => `${Number(bytes)} bytes, ${images} images`;

import { createHash, randomBytes } from 'node:crypto';
import type { FilterQuery } from '@mikro-orm/core';
import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../../config/config';
import type { RequestContext, Viewer } from '../../context';
import { AppError, badInput, notFound, unauthenticated } from '../../errors/app-error';
import { hasPermission, Permission, PERMISSION_SCOPES, type Role, Scope, scopesForRole, viewerHasPermission } from '../auth/roles';
import { UserEntity } from '../users/user.entity';
import { ApiTokenEntity } from './api-token.entity';
import { requireScope } from './scopes';
import type { ViewerCache } from '../auth/viewer-cache';

/** Columns that {@link ApiTokenService.authenticate} reads. Timestamps are PostgreSQL text, because MikroORM turns off pg's date parsing. */
interface AuthenticatedTokenRow {
  id: string;
  scopes: Scope[];
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  user_id: string;
  role: Role;
}

/** Prefix of API token secrets; session tokens start with `sst_` alone. */
export const API_TOKEN_PREFIX = 'sst_pat_';

/** `lastUsedAt` is written at most once per this interval, so busy tokens do not write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export const DEFAULT_TOKEN_PAGE_SIZE = 20;
export const MAX_TOKEN_PAGE_SIZE = 100;

export interface CreateTokenRequest {
  name: string;
  scopes: Scope[];
  expiresAt?: Date | null;
}

export interface CreatedToken {
  token: ApiTokenEntity;
  /** The secret, returned once and never stored. */
  secret: string;
}

export interface TokenPage {
  edges: { cursor: string; node: ApiTokenEntity }[];
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: number;
}

export const hashApiToken = (secret: string) => createHash('sha256').update(secret).digest('hex');

/**
 * Creates, lists, revokes and authenticates personal API tokens. Users manage
 * their own tokens; admins (users:manage) list and revoke anyone's.
 */
export class ApiTokenService {
  constructor(
    private readonly config: Config,
    private readonly viewers?: ViewerCache,
  ) {}

  async create(ctx: RequestContext, request: CreateTokenRequest): Promise<CreatedToken> {
    const viewer = this.signedIn(ctx);
    requireScope(viewer, Scope.TOKENS_MANAGE, 'createApiToken');
    const scopes = [...new Set(request.scopes)].sort();
    this.checkGrantable(viewer, scopes);
    const name = request.name.trim();
    if (name.length === 0) throw badInput('The token name is empty. Name the token after the app that will use it.', 'name');
    if (request.expiresAt && request.expiresAt.getTime() <= Date.now()) {
      throw badInput(`expiresAt ${request.expiresAt.toISOString()} is in the past. Choose a future time, or omit it for a token that does not expire.`, 'expiresAt');
    }

    const secret = API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const token = await ctx.em.transactional(async (em) => {
      // The user row lock serializes creations, so parallel requests cannot pass the active-token limit together.
      await em.findOneOrFail(UserEntity, viewer.userId, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const active = await em.count(ApiTokenEntity, { $and: [{ user: viewer.userId }, activeFilter()] });
      const max = this.config.tokens.maxActivePerUser;
      if (active >= max) {
        throw new AppError('TOKEN_LIMIT_REACHED', `You already have ${active} active API tokens, the maximum. Revoke one you no longer use, then try again.`, {
          maxActive: max,
        });
      }
      return em.create(ApiTokenEntity, {
        user: em.getReference(UserEntity, viewer.userId),
        name,
        scopes,
        tokenHash: hashApiToken(secret),
        expiresAt: request.expiresAt ?? null,
      });
    });
    ctx.logger.info({ event: 'token.created', tokenId: token.id, scopes, expiresAt: token.expiresAt ?? null });
    return { token, secret };
  }

  /** Lists the viewer's tokens, or another user's for admins, newest first. Revoked and expired tokens are included. */
  async list(ctx: RequestContext, page: { first?: number | null; after?: string | null }, userId?: string | null): Promise<TokenPage> {
    const viewer = this.signedIn(ctx);
    requireScope(viewer, Scope.TOKENS_MANAGE, 'apiTokens');
    const ownerId = userId ?? viewer.userId;
    if (ownerId !== viewer.userId) this.requireAdmin(viewer, "list another user's API tokens");
    if (!isUuid(ownerId)) throw badInput(`userId "${ownerId}" is not a user id. Pass the id of a User.`, 'userId');

    const first = tokenPageSize(page.first);
    const where: FilterQuery<ApiTokenEntity> = { user: ownerId };
    const keyset: FilterQuery<ApiTokenEntity>[] = [];
    if (page.after) {
      const cursor = decodeCursor(page.after);
      keyset.push({ $or: [{ createdAt: { $lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { $lt: cursor.id } }] });
    }
    const [rows, totalCount] = await Promise.all([
      ctx.em.find(ApiTokenEntity, { $and: [where, ...keyset] }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: first + 1 }),
      ctx.em.count(ApiTokenEntity, where),
    ]);
    const edges = rows.slice(0, first).map((node) => ({ cursor: encodeCursor(node), node }));
    return { edges, hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null, totalCount };
  }

  /** Revokes a token of the viewer's, or anyone's for admins. Revoking a revoked token returns it unchanged. */
  async revoke(ctx: RequestContext, id: string): Promise<ApiTokenEntity> {
    const viewer = this.signedIn(ctx);
    requireScope(viewer, Scope.TOKENS_MANAGE, 'revokeApiToken');
    const token = isUuid(id) ? await ctx.em.findOne(ApiTokenEntity, id) : null;
    const isAdmin = viewerHasPermission(viewer, Permission.MANAGE_USERS);
    if (!token || (token.user.id !== viewer.userId && !isAdmin)) throw notFound('API token', id);
    if (token.revokedAt) return token;

    // Conditional, so a parallel revoke keeps the first timestamp.
    await ctx.em.nativeUpdate(ApiTokenEntity, { id, revokedAt: null }, { revokedAt: new Date() });
    this.viewers?.forgetUser(token.user.id);
    await ctx.em.refresh(token);
    ctx.logger.info({ event: 'token.revoked', tokenId: id, ownerId: token.user.id, byAdmin: token.user.id !== viewer.userId });
    return token;
  }

  /**
   * Resolves an API token secret to its viewer. Throws UNAUTHENTICATED, saying
   * why, when the token is unknown, revoked or expired. Naming the reason is
   * safe: only a caller holding the secret can reach the revoked or expired case.
   */
  async authenticate(em: EntityManager, secret: string): Promise<Viewer> {
    const tokenHash = hashApiToken(secret);
    const cached = this.viewers?.get(tokenHash);
    if (cached) {
      cached.lastUsedAt = await this.recordUse(em, cached.viewer.tokenId!, cached.lastUsedAt ?? null);
      return cached.viewer;
    }

    // Runs on every request a third party makes that misses the cache, so it is one plain query rather than an entity load.
    const since = this.viewers?.begin() ?? 0;
    const [token] = await em.execute<AuthenticatedTokenRow[]>(
      `select t.id, t.scopes, t.expires_at, t.revoked_at, t.last_used_at, u.id as user_id, u.role
         from api_tokens t join users u on u.id = t.user_id
        where t.token_hash = ?`,
      [tokenHash],
    );
    if (!token) throw rejected('This API token is unknown. Check that it was copied whole, or create a new one.', 'unknown');
    if (token.revoked_at) throw rejected(`This API token was revoked at ${new Date(token.revoked_at).toISOString()}. Create a new one.`, 'revoked');
    if (token.expires_at && new Date(token.expires_at).getTime() <= Date.now()) {
      throw rejected(`This API token expired at ${new Date(token.expires_at).toISOString()}. Create a new one.`, 'expired');
    }

    const lastUsedAt = await this.recordUse(em, token.id, token.last_used_at ? new Date(token.last_used_at).getTime() : null);
    const viewer: Viewer = { userId: token.user_id, role: token.role, tokenId: token.id, scopes: token.scopes };
    this.viewers?.set(tokenHash, since, { viewer, expiresAt: token.expires_at ? new Date(token.expires_at).getTime() : null, lastUsedAt });
    return viewer;
  }

  /** Records that the token was used, unless that was recorded less than LAST_USED_RESOLUTION_MS ago. Returns the recorded time. */
  private async recordUse(em: EntityManager, tokenId: string, lastUsedAt: number | null): Promise<number> {
    const now = Date.now();
    if (lastUsedAt !== null && now - lastUsedAt < LAST_USED_RESOLUTION_MS) return lastUsedAt;
    await em.nativeUpdate(
      ApiTokenEntity,
      { id: tokenId, $or: [{ lastUsedAt: null }, { lastUsedAt: { $lt: new Date(now - LAST_USED_RESOLUTION_MS) } }] },
      { lastUsedAt: new Date(now) },
    );
    return now;
  }

  private signedIn(ctx: RequestContext): Viewer {
    if (!ctx.viewer) throw unauthenticated();
    return ctx.viewer;
  }

  private requireAdmin(viewer: Viewer, action: string): void {
    if (!hasPermission(viewer.role, Permission.MANAGE_USERS)) {
      throw new AppError('FORBIDDEN', `Your account may not ${action}; only administrators may.`);
    }
    requireScope(viewer, PERMISSION_SCOPES[Permission.MANAGE_USERS], action);
  }

  /**
   * Checks that a new token carries only scopes the owner's role allows and,
   * when an API token creates it, only scopes that token has itself.
   */
  private checkGrantable(viewer: Viewer, scopes: Scope[]): void {
    if (scopes.length === 0) throw badInput('A token needs at least one scope, for example IMAGES_READ.', 'scopes');
    const allowed = scopesForRole(viewer.role);
    const notAllowed = scopes.filter((scope) => !allowed.includes(scope));
    if (notAllowed.length > 0) {
      throw new AppError('FORBIDDEN', `Your role ${viewer.role} may not grant the scopes ${notAllowed.join(', ')}. Leave them out.`, {
        field: 'scopes',
        scopes: notAllowed,
      });
    }
    const notHeld = scopes.filter((scope) => !viewer.scopes.includes(scope));
    if (notHeld.length > 0) {
      throw new AppError('FORBIDDEN', `This API token may not grant scopes it lacks itself: ${notHeld.join(', ')}. Leave them out.`, {
        field: 'scopes',
        scopes: notHeld,
      });
    }
  }
}

function rejected(message: string, reason: 'unknown' | 'revoked' | 'expired'): AppError {
  return new AppError('UNAUTHENTICATED', message, { reason });
}

/** Neither revoked nor expired at this moment. */
function activeFilter(): FilterQuery<ApiTokenEntity> {
  return { revokedAt: null, $or: [{ expiresAt: null }, { expiresAt: { $gt: new Date() } }] };
}

function tokenPageSize(first: number | null | undefined): number {
  if (first === undefined || first === null) return DEFAULT_TOKEN_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_TOKEN_PAGE_SIZE) {
    throw badInput(`first=${first} is out of range. Ask for between 1 and ${MAX_TOKEN_PAGE_SIZE} items.`, 'first', { max: MAX_TOKEN_PAGE_SIZE });
  }
  return first;
}

/** Opaque keyset cursor over (createdAt, id), newest first. */
function encodeCursor(token: Pick<ApiTokenEntity, 'createdAt' | 'id'>): string {
  return Buffer.from(`${token.createdAt.toISOString()}|${token.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(iso);
  if (!id || !isUuid(id) || Number.isNaN(createdAt.getTime())) {
    throw badInput(`The cursor "${cursor}" is not valid. Pass an endCursor or cursor from an earlier page.`, 'after');
  }
  return { createdAt, id };
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isUuid = (value: string) => UUID_PATTERN.test(value);

import { createHash, randomBytes } from 'node:crypto';
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../../config/config';
import type { RequestContext, Viewer } from '../../context';
import { AppError } from '../../errors/app-error';
import { API_TOKEN_PREFIX, type ApiTokenService } from '../tokens/api-token.service';
import { UserEntity } from '../users/user.entity';
import { hashPassword, verifyPassword } from './password';
import { ALL_SCOPES, Role } from './roles';
import { SessionEntity } from './session.entity';
import type { ViewerCache } from './viewer-cache';

const TOKEN_PREFIX = 'sst_';

export interface SignUpData {
  email: string;
  password: string;
  displayName: string;
}

export interface Session {
  token: string;
  user: UserEntity;
  /** The viewer that requests with `token` get. */
  viewer: Viewer;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export class AuthService {
  /** `apiTokens` is left out only where no request is authenticated, as in the start-up admin check. */
  constructor(
    private readonly config: Config,
    private readonly apiTokens?: ApiTokenService,
    private readonly viewers?: ViewerCache,
  ) {}

  async signUp(ctx: RequestContext, data: SignUpData): Promise<Session> {
    const email = data.email.trim().toLowerCase();
    const user = ctx.em.create(UserEntity, {
      email,
      displayName: data.displayName.trim(),
      passwordHash: await hashPassword(data.password),
      role: Role.USER,
      quotaBytes: this.config.quota.bytes,
      quotaImages: this.config.quota.images,
    });
    try {
      await ctx.em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        throw new AppError('EMAIL_TAKEN', `An account for "${email}" already exists. Sign in instead, or use another address.`, {
          field: 'email',
        });
      }
      throw error;
    }
    ctx.logger.info({ event: 'auth.signed_up', userId: user.id });
    return this.openSession(ctx.em, user);
  }

  async signIn(ctx: RequestContext, emailInput: string, password: string): Promise<Session> {
    const email = emailInput.trim().toLowerCase();
    const user = await ctx.em.findOne(UserEntity, { email }, { populate: ['passwordHash'] });
    // Verify against a dummy hash when the user is missing, so timing does not reveal accounts.
    const valid = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !valid) {
      ctx.logger.info({ event: 'auth.sign_in_failed' });
      throw new AppError('INVALID_CREDENTIALS', 'The email address or password is wrong. Check both and try again.');
    }
    return this.openSession(ctx.em, user);
  }

  async signOut(ctx: RequestContext): Promise<boolean> {
    // An API token has no session to end; it is revoked with revokeApiToken instead.
    if (!ctx.viewer?.sessionId) return false;
    await ctx.em.nativeUpdate(SessionEntity, { id: ctx.viewer.sessionId, revokedAt: null }, { revokedAt: new Date() });
    this.viewers?.forgetUser(ctx.viewer.userId);
    return true;
  }

  /**
   * Resolves a bearer token to its viewer. A session token that is unknown,
   * revoked or expired returns null, so the request runs signed out. Such an
   * API token (prefix `sst_pat_`) throws UNAUTHENTICATED instead, because a
   * third party must learn that its credential stopped working.
   */
  async authenticate(em: EntityManager, token: string): Promise<Viewer | null> {
    if (token.startsWith(API_TOKEN_PREFIX)) {
      if (!this.apiTokens) return null;
      return this.apiTokens.authenticate(em, token);
    }
    if (!token.startsWith(TOKEN_PREFIX)) return null;
    const tokenHash = hashToken(token);
    const cached = this.viewers?.get(tokenHash);
    if (cached) return cached.viewer;

    // Runs on every signed-in request that misses the cache, so it is one plain query rather than an entity load.
    const since = this.viewers?.begin() ?? 0;
    const [session] = await em.execute<{ session_id: string; user_id: string; role: Role; expires_at: string | Date }[]>(
      `select s.id as session_id, u.id as user_id, u.role, s.expires_at
         from sessions s join users u on u.id = s.user_id
        where s.token_hash = ? and s.revoked_at is null and s.expires_at > ?`,
      [tokenHash, new Date()],
    );
    if (!session) return null;
    const viewer: Viewer = { userId: session.user_id, role: session.role, sessionId: session.session_id, scopes: ALL_SCOPES };
    this.viewers?.set(tokenHash, since, { viewer, expiresAt: new Date(session.expires_at).getTime() });
    return viewer;
  }

  /** Makes sure the configured admin account exists with the admin role and the configured password. */
  async ensureAdmin(em: EntityManager, email: string, password: string): Promise<'created' | 'updated'> {
    const normalized = email.trim().toLowerCase();
    const existing = await em.findOne(UserEntity, { email: normalized });
    const passwordHash = await hashPassword(password);
    if (existing) {
      existing.role = Role.ADMIN;
      existing.passwordHash = passwordHash;
      await em.flush();
      return 'updated';
    }
    em.create(UserEntity, {
      email: normalized,
      displayName: 'Administrator',
      passwordHash,
      role: Role.ADMIN,
      quotaBytes: this.config.quota.bytes,
      quotaImages: this.config.quota.images,
    });
    await em.flush();
    return 'created';
  }

  private async openSession(em: EntityManager, user: UserEntity): Promise<Session> {
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const session = em.create(SessionEntity, {
      user,
      tokenHash: hashToken(token),
      expiresAt: new Date(Date.now() + this.config.sessionTtlSeconds * 1000),
    });
    await em.flush();
    return { token, user, viewer: { userId: user.id, role: user.role, sessionId: session.id, scopes: ALL_SCOPES } };
  }
}

/** A valid hash of a random password, used to spend the same time on unknown accounts. */
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

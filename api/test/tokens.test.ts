import { createHash } from 'node:crypto';
import { API_TOKENS, createApiToken, onlyError, post, REVOKE_API_TOKEN, sql } from './support/api-tokens';
import { REQUEST_UPLOAD, signUp } from './support/fixtures';
import type { ApiTokenConnection } from './support/generated';
import { waitFor } from './support/cleanup-support';
import { startTestApi, type TestApi } from './support/test-api';

const ADMIN = { email: 'admin@example.test', password: 'admin password 1' };
const VIEWER = '{ viewer { id } }';

describe('API tokens', () => {
  let api: TestApi;
  let adminSession: string;

  beforeAll(async () => {
    api = await startTestApi({ ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, TOKEN_MAX_ACTIVE_PER_USER: '3' });
    const signIn = await api.gql<{ signIn: { token: string } }>(
      'mutation ($input: SignInInput!) { signIn(input: $input) { token } }',
      { input: ADMIN },
    );
    adminSession = signIn.data!.signIn.token;
  });

  afterAll(async () => {
    await api.stop();
  });

  it('shows the secret once and stores only its SHA-256', async () => {
    const user = await signUp(api, 'creator');
    const created = await createApiToken(api, user.token, ['IMAGES_READ'], { name: 'importer' });

    expect(created.secret).toMatch(/^sst_pat_[A-Za-z0-9_-]{43}$/);
    expect(created.token).toMatchObject({ name: 'importer', scopes: ['IMAGES_READ'], active: true, revokedAt: null, expiresAt: null });

    const rows = await sql<Record<string, unknown>>(api, 'select * from api_tokens where id = ?', [created.token.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).toBe(createHash('sha256').update(created.secret).digest('hex'));
    expect(JSON.stringify(rows[0])).not.toContain(created.secret);
    expect(rows[0].scopes).toEqual(['images:read']);

    const me = await api.gql(VIEWER, {}, created.secret);
    expect(me.data!.viewer.id).toBe(user.id);
  });

  it('records when a token was last used', async () => {
    const user = await signUp(api);
    const created = await createApiToken(api, user.token, ['IMAGES_READ']);
    expect(created.token.lastUsedAt).toBeNull();

    await api.gql(VIEWER, {}, created.secret);
    const listed = await api.gql<{ apiTokens: ApiTokenConnection }>(API_TOKENS, {}, user.token);
    expect(listed.data!.apiTokens.edges[0].node.lastUsedAt).not.toBeNull();
  });

  it('lists own tokens newest first with cursors', async () => {
    const user = await signUp(api);
    const first = await createApiToken(api, user.token, ['IMAGES_READ'], { name: 'one' });
    const second = await createApiToken(api, user.token, ['IMAGES_READ', 'IMAGES_WRITE'], { name: 'two' });

    const page1 = await api.gql<{ apiTokens: ApiTokenConnection }>(API_TOKENS, { first: 1 }, user.token);
    expect(page1.errors).toBeUndefined();
    expect(page1.data!.apiTokens.totalCount).toBe(2);
    expect(page1.data!.apiTokens.edges.map((edge) => edge.node.id)).toEqual([second.token.id]);
    expect(page1.data!.apiTokens.edges[0].node.owner.id).toBe(user.id);
    expect(page1.data!.apiTokens.pageInfo.hasNextPage).toBe(true);

    const page2 = await api.gql<{ apiTokens: ApiTokenConnection }>(
      API_TOKENS,
      { first: 1, after: page1.data!.apiTokens.pageInfo.endCursor },
      user.token,
    );
    expect(page2.data!.apiTokens.edges.map((edge) => edge.node.id)).toEqual([first.token.id]);
    expect(page2.data!.apiTokens.pageInfo.hasNextPage).toBe(false);
  });

  it('rejects a revoked token with UNAUTHENTICATED', async () => {
    const user = await signUp(api);
    const created = await createApiToken(api, user.token, ['IMAGES_READ']);

    const revoked = await api.gql(REVOKE_API_TOKEN, { id: created.token.id }, user.token);
    expect(revoked.data!.revokeApiToken).toMatchObject({ id: created.token.id, active: false });
    const again = await api.gql(REVOKE_API_TOKEN, { id: created.token.id }, user.token);
    expect(again.data!.revokeApiToken.revokedAt).toBe(revoked.data!.revokeApiToken.revokedAt);

    const response = await post(api, VIEWER, {}, created.secret);
    expect(response.status).toBe(401);
    expect(response.data).toBeUndefined();
    const error = onlyError(response);
    expect(error.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'revoked' });
    expect(error.message).toContain('revoked');
    expect(error.message).toContain(new Date(revoked.data!.revokeApiToken.revokedAt).toISOString());
  });

  it('rejects an expired token with UNAUTHENTICATED', async () => {
    const user = await signUp(api);
    const created = await createApiToken(api, user.token, ['IMAGES_READ'], { expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect(created.token.expiresAt).not.toBeNull();
    expect((await api.gql(VIEWER, {}, created.secret)).data!.viewer.id).toBe(user.id);

    // Moves the expiry into the past instead of waiting for it. A trigger notifies the API process,
    // which drops its cached viewer once the notification arrives.
    const expiredAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
    await sql(api, `update api_tokens set expires_at = ? where id = ?`, [expiredAt, created.token.id]);

    const response = await waitFor(
      () => post(api, VIEWER, {}, created.secret),
      (answer) => answer.status !== 200,
      'the API process to drop the cached token',
      5000,
    );
    expect(response.status).toBe(401);
    expect(onlyError(response).extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'expired' });
    expect(onlyError(response).message).toContain(expiredAt.toISOString());
  });

  it('rejects an unknown token with UNAUTHENTICATED', async () => {
    const response = await post(api, VIEWER, {}, 'sst_pat_' + 'A'.repeat(43));
    expect(response.status).toBe(401);
    expect(onlyError(response).extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'unknown' });
  });

  it('changes nothing for a revoked token', async () => {
    const user = await signUp(api);
    const created = await createApiToken(api, user.token, ['IMAGES_WRITE']);
    await api.gql(REVOKE_API_TOKEN, { id: created.token.id }, user.token);

    const input = { filename: 'a.png', contentType: 'image/png', byteSize: 100 };
    const response = await post(api, REQUEST_UPLOAD, { input }, created.secret);
    expect(onlyError(response).extensions!.code).toBe('UNAUTHENTICATED');

    expect(await sql(api, 'select id from images where owner_id = ?', [user.id])).toEqual([]);
    const [quota] = await sql<{ reserved_bytes: string; reserved_images: number }>(
      api,
      'select reserved_bytes, reserved_images from users where id = ?',
      [user.id],
    );
    expect(Number(quota.reserved_bytes)).toBe(0);
    expect(quota.reserved_images).toBe(0);
    expect(await sql(api, `select key from rate_limits where key like ?`, [`%${user.id}%`])).toEqual([]);
    expect(await sql(api, `select key from rate_limits where key like ?`, [`%${created.token.id}%`])).toEqual([]);
  });

  it('refuses an expiry in the past', async () => {
    const user = await signUp(api);
    const response = await api.gql(
      'mutation ($input: CreateApiTokenInput!) { createApiToken(input: $input) { secret } }',
      { input: { name: 'late', scopes: ['IMAGES_READ'], expiresAt: new Date(Date.now() - 1000).toISOString() } },
      user.token,
    );
    expect(onlyError(response).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'expiresAt' });
  });

  it('caps the active tokens of a user', async () => {
    const user = await signUp(api);
    const tokens = [];
    for (let i = 0; i < 3; i += 1) tokens.push(await createApiToken(api, user.token, ['IMAGES_READ']));

    const refused = await api.gql(
      'mutation ($input: CreateApiTokenInput!) { createApiToken(input: $input) { secret } }',
      { input: { name: 'fourth', scopes: ['IMAGES_READ'] } },
      user.token,
    );
    expect(onlyError(refused).extensions).toMatchObject({ code: 'TOKEN_LIMIT_REACHED', maxActive: 3 });
    expect(await sql(api, 'select id from api_tokens where user_id = ?', [user.id])).toHaveLength(3);

    await api.gql(REVOKE_API_TOKEN, { id: tokens[0].token.id }, user.token);
    await expect(createApiToken(api, user.token, ['IMAGES_READ'])).resolves.toHaveProperty('secret');
  });

  describe('administration', () => {
    it("lets an admin list and revoke another user's tokens", async () => {
      const user = await signUp(api);
      const created = await createApiToken(api, user.token, ['IMAGES_READ']);

      const listed = await api.gql<{ apiTokens: ApiTokenConnection }>(API_TOKENS, { userId: user.id }, adminSession);
      expect(listed.errors).toBeUndefined();
      expect(listed.data!.apiTokens.edges.map((edge) => edge.node.id)).toEqual([created.token.id]);

      const revoked = await api.gql(REVOKE_API_TOKEN, { id: created.token.id }, adminSession);
      expect(revoked.data!.revokeApiToken.active).toBe(false);
      expect(onlyError(await post(api, VIEWER, {}, created.secret)).extensions!.code).toBe('UNAUTHENTICATED');
    });

    it("hides other users' tokens from non-admins", async () => {
      const owner = await signUp(api);
      const other = await signUp(api);
      const created = await createApiToken(api, owner.token, ['IMAGES_READ']);

      const listed = await api.gql(API_TOKENS, { userId: owner.id }, other.token);
      expect(onlyError(listed).extensions!.code).toBe('FORBIDDEN');

      const revoked = await api.gql(REVOKE_API_TOKEN, { id: created.token.id }, other.token);
      expect(onlyError(revoked).extensions!.code).toBe('NOT_FOUND');
      const [row] = await sql<{ revoked_at: Date | null }>(api, 'select revoked_at from api_tokens where id = ?', [created.token.id]);
      expect(row.revoked_at).toBeNull();
    });

    it('needs users:manage on an admin API token', async () => {
      const user = await signUp(api);
      const adminToken = await createApiToken(api, adminSession, ['TOKENS_MANAGE']);
      const withScope = await createApiToken(api, adminSession, ['TOKENS_MANAGE', 'USERS_MANAGE']);

      const refused = await api.gql(API_TOKENS, { userId: user.id }, adminToken.secret);
      expect(onlyError(refused).extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'users:manage' });

      const allowed = await api.gql(API_TOKENS, { userId: user.id }, withScope.secret);
      expect(allowed.errors).toBeUndefined();
    });
  });
});

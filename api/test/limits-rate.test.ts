import { createApiToken, onlyError, post, sql, waitFor } from './support/api-tokens';
import { CONFIRM_UPLOAD, png, putToStorage, REQUEST_UPLOAD, requestGrant, signUp } from './support/fixtures';
import { startTestApi, type TestApi } from './support/test-api';

/** One window for requests, grants and view URLs; the counters' windows start at multiples of it since the epoch. */
const WINDOW_SECONDS = 3;
const VIEWER = '{ viewer { id } }';
const IMAGES_WITH_URLS = '{ images(first: 10) { edges { node { id url urlExpiresAt } } } }';

/**
 * Waits, when needed, until a new counter window starts, so that a sequence
 * needing `neededMs` runs inside one window. The API runs in this process, so
 * both sides read the same clock.
 */
async function startOfFreshWindow(neededMs = 2000): Promise<void> {
  const windowMs = WINDOW_SECONDS * 1000;
  const left = windowMs - (Date.now() % windowMs);
  if (left >= neededMs) return;
  const boundary = Date.now() + left;
  await waitFor(() => Date.now() >= boundary, windowMs + 1000, 20);
}

async function uploadImages(api: TestApi, session: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const bytes = await png(4 + i, 4);
    const grant = await requestGrant(api, session, { filename: `r${i}.png`, contentType: 'image/png', byteSize: bytes.length });
    await putToStorage(grant, bytes);
    const confirmed = await api.gql(CONFIRM_UPLOAD, { id: grant.image.id }, session);
    if (confirmed.errors) throw new Error(`confirmUpload failed: ${JSON.stringify(confirmed.errors)}`);
    ids.push(grant.image.id);
  }
  return ids;
}

describe('token rate limits and view URL budget', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi({
      TOKEN_RATE_LIMIT: '4',
      TOKEN_USER_RATE_LIMIT: '6',
      TOKEN_RATE_WINDOW_SECONDS: String(WINDOW_SECONDS),
      TOKEN_GRANT_RATE_LIMIT: '2',
      UPLOAD_RATE_WINDOW_SECONDS: String(WINDOW_SECONDS),
      VIEW_URL_BUDGET: '3',
      VIEW_URL_BUDGET_WINDOW_SECONDS: String(WINDOW_SECONDS),
    });
  });

  afterAll(async () => {
    await api.stop();
  });

  it('limits requests per token and recovers in the next window', async () => {
    const user = await signUp(api);
    const token = await createApiToken(api, user.token, ['IMAGES_READ']);
    await startOfFreshWindow();

    for (let i = 1; i <= 4; i += 1) {
      const response = await post(api, VIEWER, {}, token.secret);
      expect(response.errors).toBeUndefined();
      expect(response.extensions?.limits?.requests?.remaining).toBe(4 - i);
    }

    const limited = await post(api, VIEWER, {}, token.secret);
    expect(limited.status).toBe(429);
    expect(limited.data).toBeUndefined();
    const error = onlyError(limited);
    expect(error.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 4, windowSeconds: WINDOW_SECONDS });
    expect(error.extensions!.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(error.extensions!.retryAfterSeconds).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(limited.headers.get('retry-after')).toBe(String(error.extensions!.retryAfterSeconds));

    // The user's session is not limited by its tokens.
    expect((await post(api, VIEWER, {}, user.token)).errors).toBeUndefined();

    await waitFor(async () => (await post(api, VIEWER, {}, token.secret)).errors === undefined, (WINDOW_SECONDS + 2) * 1000, 200);
    const recovered = await post(api, VIEWER, {}, token.secret);
    expect(recovered.errors).toBeUndefined();
    expect(recovered.extensions?.limits?.requests?.remaining).toBe(2);
  });

  it("limits the requests of all a user's tokens together", async () => {
    const user = await signUp(api);
    const first = await createApiToken(api, user.token, ['IMAGES_READ']);
    const second = await createApiToken(api, user.token, ['IMAGES_READ']);
    await startOfFreshWindow();

    for (let i = 0; i < 4; i += 1) expect((await post(api, VIEWER, {}, first.secret)).errors).toBeUndefined();
    for (let i = 0; i < 2; i += 1) expect((await post(api, VIEWER, {}, second.secret)).errors).toBeUndefined();

    const limited = await post(api, VIEWER, {}, second.secret);
    const error = onlyError(limited);
    expect(error.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 6 });
    expect(error.message).toContain("all of this user's API tokens");
  });

  it('limits upload grants per token', async () => {
    const user = await signUp(api);
    const token = await createApiToken(api, user.token, ['IMAGES_WRITE']);
    const input = { filename: 'g.png', contentType: 'image/png', byteSize: 100 };
    await startOfFreshWindow();

    for (let i = 0; i < 2; i += 1) expect((await post(api, REQUEST_UPLOAD, { input }, token.secret)).errors).toBeUndefined();
    const limited = await post(api, REQUEST_UPLOAD, { input }, token.secret);
    expect(onlyError(limited).extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 2 });
    expect(await sql(api, 'select id from images where owner_id = ?', [user.id])).toHaveLength(2);
    // The rejected grant counts against the token only, not against the user's own grant limit.
    expect(await sql(api, 'select count from rate_limits where key = ?', [`grant:user:${user.id}`])).toEqual([{ count: 2 }]);

    // The user's own grant limit is separate, so the session still gets grants.
    expect((await post(api, REQUEST_UPLOAD, { input }, user.token)).errors).toBeUndefined();
  });

  it('withholds view URLs past budget, then recovers', async () => {
    const user = await signUp(api);
    await uploadImages(api, user.token, 5);
    const token = await createApiToken(api, user.token, ['IMAGES_READ']);
    await startOfFreshWindow();

    const first = await post(api, IMAGES_WITH_URLS, {}, token.secret);
    const nodes = first.data!.images.edges.map((edge: { node: { url: string | null; urlExpiresAt: string | null } }) => edge.node);
    expect(nodes).toHaveLength(5);
    expect(nodes.filter((node: { url: string | null }) => node.url !== null)).toHaveLength(3);
    // url and urlExpiresAt of one image share one URL.
    for (const node of nodes) expect(node.urlExpiresAt === null).toBe(node.url === null);

    const errors = first.errors ?? [];
    expect(errors).toHaveLength(4);
    for (const error of errors) {
      expect(error.extensions).toMatchObject({ code: 'VIEW_URL_BUDGET_EXHAUSTED', limit: 3 });
      expect(error.path?.slice(0, 2)).toEqual(['images', 'edges']);
    }
    expect(first.extensions?.limits?.viewUrls).toMatchObject({ limit: 3, remaining: 0, withheld: 2 });

    const second = await post(api, IMAGES_WITH_URLS, {}, token.secret);
    expect(second.data!.images.edges.every((edge: { node: { url: string | null } }) => edge.node.url === null)).toBe(true);
    expect(second.extensions?.limits?.viewUrls).toMatchObject({ remaining: 0, withheld: 5 });

    // Sessions have no view URL budget.
    const own = await post(api, IMAGES_WITH_URLS, {}, user.token);
    expect(own.errors).toBeUndefined();

    await waitFor(
      async () => {
        const response = await post(api, '{ images(first: 1) { edges { node { url } } } }', {}, token.secret);
        return typeof response.data?.images.edges[0].node.url === 'string';
      },
      (WINDOW_SECONDS + 2) * 1000,
      200,
    );
  });

  it('gives back view URLs a request reserved but did not use', async () => {
    const user = await signUp(api);
    const [imageId] = await uploadImages(api, user.token, 1);
    const token = await createApiToken(api, user.token, ['IMAGES_READ']);
    await startOfFreshWindow();

    const one = await post(api, 'query ($id: ID!) { image(id: $id) { url urlExpiresAt } }', { id: imageId }, token.secret);
    expect(one.data!.image.url).not.toBeNull();
    expect(one.extensions?.limits?.viewUrls?.remaining).toBe(2);

    // Reserves 20 (10 images × 2 fields) and uses 1, because the user has one image.
    const page = await post(api, IMAGES_WITH_URLS, {}, token.secret);
    expect(page.errors).toBeUndefined();
    expect(page.extensions?.limits?.viewUrls?.remaining).toBe(1);

    const plain = await post(api, VIEWER, {}, token.secret);
    expect(plain.extensions?.limits?.viewUrls?.remaining).toBe(1);
  });
});

import { getIntrospectionQuery } from 'graphql';
import { createApiToken, onlyError, post, sql } from './support/api-tokens';
import { REQUEST_UPLOAD, signUp } from './support/fixtures';
import { startTestApi, type TestApi } from './support/test-api';

const IMAGE_PAGE = `
  fragment Page on ImageConnection {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id filename url urlExpiresAt owner { id displayName } } }
  }`;

/**
 * Cost of one `Page` selection of `first` images: images 1 + first × (totalCount 1 +
 * pageInfo 3 + edges (1 + cursor 1 + node (1 + id 1 + filename 1 + url 10 +
 * urlExpiresAt 10 + owner 3))) = 1 + 32 × first.
 */
const pageCost = (first: number) => 1 + 32 * first;

describe('query limits', () => {
  let api: TestApi;
  let session: string;

  beforeAll(async () => {
    api = await startTestApi();
    session = (await signUp(api, 'limits')).token;
  });

  afterAll(async () => {
    await api.stop();
  });

  it('reports cost and depth of an accepted query', async () => {
    const response = await post(api, `query ($first: Int) { images(first: $first) { ...Page } } ${IMAGE_PAGE}`, { first: 10 }, session);
    expect(response.errors).toBeUndefined();
    expect(response.extensions?.limits).toMatchObject({ cost: pageCost(10), maxCost: 5000, depth: 5, maxDepth: 15, aliases: 0, maxAliases: 30 });
    // Sessions have no token budgets.
    expect(response.extensions?.limits?.requests).toBeUndefined();
    expect(response.extensions?.limits?.viewUrls).toBeUndefined();
  });

  it('refuses an over-cost query before it runs', async () => {
    const query = `{ all: images(first: 100) { ...Page } mine: images(first: 100, filter: { mine: true }) { ...Page } } ${IMAGE_PAGE}`;
    const response = await post(api, query, {}, session);

    expect(response.status).toBe(400);
    expect(response.data).toBeUndefined();
    const error = onlyError(response);
    expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', cost: 2 * pageCost(100), maxCost: 5000 });
    expect(error.message).toContain(`costs ${2 * pageCost(100)}`);
    expect(error.message).toContain('limit is 5000');
  });

  it('refuses an over-depth query', async () => {
    const nested = 'ofType { '.repeat(14) + 'name' + ' }'.repeat(14);
    const response = await post(api, `{ __schema { queryType { ${nested} } } }`, {}, session);

    expect(response.status).toBe(400);
    const error = onlyError(response);
    expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_DEEP', depth: 17, maxDepth: 15 });
    expect(error.message).toContain('17 levels deep');
    expect(error.message).toContain('limit is 15');
  });

  it('refuses an alias flood of viewer', async () => {
    const fields = Array.from({ length: 200 }, (_, i) => `v${i}: viewer { id }`).join(' ');
    const response = await post(api, `{ ${fields} }`, {}, session);

    expect(response.status).toBe(400);
    const error = onlyError(response);
    expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_MANY_ALIASES', aliases: 200, maxAliases: 30 });
    expect(error.message).toContain('200 aliased fields');
  });

  it('refuses an alias flood of image with a token', async () => {
    const user = await signUp(api);
    const token = await createApiToken(api, user.token, ['IMAGES_READ']);
    const id = '00000000-0000-4000-8000-000000000000';
    const fields = Array.from({ length: 200 }, (_, i) => `i${i}: image(id: "${id}") { id url }`).join(' ');

    const response = await post(api, `{ ${fields} }`, {}, token.secret);
    expect(onlyError(response).extensions).toMatchObject({ code: 'QUERY_TOO_MANY_ALIASES', aliases: 200 });
    // Refused before the request rate or the view URL budget is touched.
    expect(await sql(api, 'select key from rate_limits where key like ?', [`%${token.token.id}%`])).toEqual([]);
  });

  it('runs none of an aliased mutation flood', async () => {
    const user = await signUp(api);
    const input = '{ filename: "a.png", contentType: "image/png", byteSize: 100 }';
    const fields = Array.from({ length: 50 }, (_, i) => `g${i}: requestUpload(input: ${input}) { url }`).join(' ');

    const response = await post(api, `mutation { ${fields} }`, {}, user.token);
    expect(onlyError(response).extensions!.code).toBe('QUERY_TOO_MANY_ALIASES');
    expect(await sql(api, 'select id from images where owner_id = ?', [user.id])).toEqual([]);
    const [quota] = await sql<{ reserved_images: number }>(api, 'select reserved_images from users where id = ?', [user.id]);
    expect(quota.reserved_images).toBe(0);
  });

  it('accepts a few aliases', async () => {
    const response = await post(api, `{ a: viewer { id } b: viewer { id } }`, {}, session);
    expect(response.errors).toBeUndefined();
    expect(response.extensions?.limits?.aliases).toBe(2);
  });

  it('accepts the standard introspection query', async () => {
    const response = await post(api, getIntrospectionQuery(), {});
    expect(response.errors).toBeUndefined();
    expect(response.extensions?.limits?.depth).toBeLessThanOrEqual(15);
  });

  it('refuses an introspection list nested in itself', async () => {
    const response = await post(api, '{ __schema { types { fields { type { fields { name } } } } } }', {});
    expect(response.status).toBe(400);
    expect(onlyError(response).extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', field: '__Type.fields' });
  });

  it('reports the budgets left to an API token', async () => {
    const user = await signUp(api);
    const token = await createApiToken(api, user.token, ['IMAGES_READ']);

    const response = await post(api, '{ viewer { id } }', {}, token.secret);
    const limits = response.extensions?.limits;
    expect(limits?.requests).toMatchObject({ limit: 300, remaining: 299 });
    expect(limits?.userRequests).toMatchObject({ limit: 600, remaining: 599 });
    expect(limits?.viewUrls).toMatchObject({ limit: 2000, remaining: 2000, withheld: 0 });
    expect(Date.parse(limits!.requests!.resetAt)).toBeGreaterThan(Date.now());
  });

  it('reports limits next to a resolver error', async () => {
    const user = await signUp(api);
    const response = await post(api, REQUEST_UPLOAD, { input: { filename: 'a.svg', contentType: 'image/svg+xml', byteSize: 10 } }, user.token);
    expect(onlyError(response).extensions!.code).toBe('UNSUPPORTED_TYPE');
    expect(response.extensions?.limits?.cost).toBeLessThan(20);
  });
});

import { createApiToken, onlyError, post, sql } from './support/api-tokens';
import { CONFIRM_UPLOAD, png, putToStorage, REQUEST_UPLOAD, requestGrant, signUp } from './support/fixtures';
import { startTestApi, type TestApi } from './support/test-api';

const ADMIN = { email: 'admin@example.test', password: 'admin password 1' };
const IMAGE = 'query ($id: ID!) { image(id: $id) { id url } }';
const IMAGES = '{ images(first: 10) { totalCount edges { node { id url } } } }';
const DELETE_IMAGE = 'mutation ($id: ID!) { deleteImage(id: $id) }';
const CREATE_TOKEN = 'mutation ($input: CreateApiTokenInput!) { createApiToken(input: $input) { secret } }';

/** Uploads and confirms a private PNG with the user's session; private images need no review. */
async function uploadImage(api: TestApi, session: string): Promise<string> {
  const bytes = await png(8, 8);
  const grant = await requestGrant(api, session, { filename: 'scoped.png', contentType: 'image/png', byteSize: bytes.length });
  await putToStorage(grant, bytes);
  const confirmed = await api.gql(CONFIRM_UPLOAD, { id: grant.image.id }, session);
  if (confirmed.errors) throw new Error(`confirmUpload failed: ${JSON.stringify(confirmed.errors)}`);
  return grant.image.id;
}

async function quotaOf(api: TestApi, userId: string) {
  const [row] = await sql<{ reserved_bytes: string; reserved_images: number; used_images: number }>(
    api,
    'select reserved_bytes, reserved_images, used_images from users where id = ?',
    [userId],
  );
  return { reservedBytes: Number(row.reserved_bytes), reservedImages: row.reserved_images, usedImages: row.used_images };
}

describe('API token scopes', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi({ ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
  });

  afterAll(async () => {
    await api.stop();
  });

  describe('images:read', () => {
    it('reads images and their view URLs', async () => {
      const user = await signUp(api);
      const imageId = await uploadImage(api, user.token);
      const token = await createApiToken(api, user.token, ['IMAGES_READ']);

      const one = await api.gql(IMAGE, { id: imageId }, token.secret);
      expect(one.errors).toBeUndefined();
      expect(one.data!.image.url).toMatch(/^http/);

      const list = await api.gql(IMAGES, {}, token.secret);
      expect(list.errors).toBeUndefined();
      expect(list.data!.images.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([imageId]);
    });

    it('refuses requestUpload and changes nothing', async () => {
      const user = await signUp(api);
      const token = await createApiToken(api, user.token, ['IMAGES_READ']);

      const response = await post(api, REQUEST_UPLOAD, { input: { filename: 'x.png', contentType: 'image/png', byteSize: 100 } }, token.secret);
      expect(response.status).toBe(403);
      expect(response.data).toBeUndefined();
      expect(onlyError(response).extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'images:write', field: 'requestUpload' });

      expect(await sql(api, 'select id from images where owner_id = ?', [user.id])).toEqual([]);
      expect(await quotaOf(api, user.id)).toEqual({ reservedBytes: 0, reservedImages: 0, usedImages: 0 });
      expect(await sql(api, 'select key from rate_limits where key like ?', [`%${user.id}%`])).toEqual([]);
    });

    it('refuses confirmUpload and leaves the image pending', async () => {
      const user = await signUp(api);
      const bytes = await png(8, 8);
      const grant = await requestGrant(api, user.token, { filename: 'p.png', contentType: 'image/png', byteSize: bytes.length });
      await putToStorage(grant, bytes);
      const token = await createApiToken(api, user.token, ['IMAGES_READ']);

      const response = await post(api, CONFIRM_UPLOAD, { id: grant.image.id }, token.secret);
      expect(onlyError(response).extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'images:write' });

      const [row] = await sql<{ status: string }>(api, 'select status from images where id = ?', [grant.image.id]);
      expect(row.status).toBe('PENDING_UPLOAD');
      expect(await api.sidestep.storage.head(`incoming/${grant.image.id}`)).not.toBeNull();
    });

    it('refuses deleteImage and keeps the image and its bytes', async () => {
      const user = await signUp(api);
      const imageId = await uploadImage(api, user.token);
      const token = await createApiToken(api, user.token, ['IMAGES_READ']);
      const before = await quotaOf(api, user.id);

      const response = await post(api, DELETE_IMAGE, { id: imageId }, token.secret);
      expect(onlyError(response).extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'images:write' });

      expect(await sql(api, 'select id from images where id = ?', [imageId])).toHaveLength(1);
      expect(await api.sidestep.storage.head(`images/${imageId}`)).not.toBeNull();
      expect(await quotaOf(api, user.id)).toEqual(before);
    });
  });

  describe('images:write', () => {
    it('grants, confirms and deletes, with url null for lack of images:read', async () => {
      const user = await signUp(api);
      const token = await createApiToken(api, user.token, ['IMAGES_WRITE']);
      const bytes = await png(8, 8);

      const grant = await requestGrant(api, token.secret, { filename: 'w.png', contentType: 'image/png', byteSize: bytes.length });
      expect((await putToStorage(grant, bytes)).status).toBe(200);
      const confirmed = await api.gql(CONFIRM_UPLOAD, { id: grant.image.id }, token.secret);
      expect(confirmed.errors).toBeUndefined();
      expect(confirmed.data!.confirmUpload).toMatchObject({ status: 'APPROVED', url: null, urlExpiresAt: null });

      const deleted = await api.gql(DELETE_IMAGE, { id: grant.image.id }, token.secret);
      expect(deleted.data!.deleteImage).toBe(true);
    });

    it('refuses image and images', async () => {
      const user = await signUp(api);
      const imageId = await uploadImage(api, user.token);
      const token = await createApiToken(api, user.token, ['IMAGES_WRITE']);

      const one = await post(api, IMAGE, { id: imageId }, token.secret);
      expect(onlyError(one).extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'images:read', field: 'image' });

      const list = await post(api, IMAGES, {}, token.secret);
      expect(onlyError(list).extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'images:read' });
    });

    it('refuses a whole operation when one root field is out of scope', async () => {
      const user = await signUp(api);
      const token = await createApiToken(api, user.token, ['IMAGES_WRITE']);

      const response = await post(api, '{ viewer { id } images { totalCount } }', {}, token.secret);
      expect(response.data).toBeUndefined();
      expect(onlyError(response).extensions!.code).toBe('FORBIDDEN');
    });
  });

  describe('tokens:manage', () => {
    it('is needed to create or list tokens', async () => {
      const user = await signUp(api);
      const token = await createApiToken(api, user.token, ['IMAGES_READ']);

      const created = await post(api, CREATE_TOKEN, { input: { name: 'child', scopes: ['IMAGES_READ'] } }, token.secret);
      expect(onlyError(created).extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'tokens:manage' });
      const listed = await post(api, '{ apiTokens { totalCount } }', {}, token.secret);
      expect(onlyError(listed).extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'tokens:manage' });
      expect(await sql(api, 'select id from api_tokens where user_id = ?', [user.id])).toHaveLength(1);
    });

    it('grants no scope the creating token lacks', async () => {
      const user = await signUp(api);
      const manager = await createApiToken(api, user.token, ['TOKENS_MANAGE', 'IMAGES_READ']);

      const child = await createApiToken(api, manager.secret, ['IMAGES_READ']);
      expect(child.token.scopes).toEqual(['IMAGES_READ']);

      const escalated = await post(api, CREATE_TOKEN, { input: { name: 'wider', scopes: ['IMAGES_WRITE'] } }, manager.secret);
      expect(onlyError(escalated).extensions).toMatchObject({ code: 'FORBIDDEN', scopes: ['images:write'] });
      expect(await sql(api, 'select id from api_tokens where user_id = ?', [user.id])).toHaveLength(2);
    });
  });

  describe('roles', () => {
    it('keeps scopes a role lacks out of its tokens', async () => {
      const user = await signUp(api);
      const response = await post(api, CREATE_TOKEN, { input: { name: 'mod', scopes: ['IMAGES_MODERATE'] } }, user.token);
      expect(onlyError(response).extensions).toMatchObject({ code: 'FORBIDDEN', field: 'scopes', scopes: ['images:moderate'] });
    });

    it('needs images:moderate for the moderation queue', async () => {
      const signIn = await api.gql('mutation ($input: SignInInput!) { signIn(input: $input) { token } }', { input: ADMIN });
      const session = signIn.data!.signIn.token as string;
      const reader = await createApiToken(api, session, ['IMAGES_READ']);
      const moderator = await createApiToken(api, session, ['IMAGES_MODERATE']);

      const refused = await post(api, '{ moderationQueue { totalCount } }', {}, reader.secret);
      expect(onlyError(refused).extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'images:moderate' });

      const allowed = await post(api, '{ moderationQueue { totalCount } }', {}, moderator.secret);
      expect(allowed.errors).toBeUndefined();
    });
  });

  it('closes fields that have no scope to API tokens', async () => {
    const user = await signUp(api);
    const token = await createApiToken(api, user.token, ['IMAGES_READ', 'IMAGES_WRITE', 'TOKENS_MANAGE']);

    const signOut = await post(api, 'mutation { signOut }', {}, token.secret);
    expect(onlyError(signOut).extensions).toMatchObject({ code: 'FORBIDDEN', field: 'signOut' });

    const signIn = await post(
      api,
      'mutation ($input: SignInInput!) { signIn(input: $input) { token } }',
      { input: { email: user.email, password: 'correct horse battery' } },
      token.secret,
    );
    expect(onlyError(signIn).extensions).toMatchObject({ code: 'FORBIDDEN', field: 'signIn' });
  });

  it('lets any valid token read viewer and introspect', async () => {
    const user = await signUp(api);
    const token = await createApiToken(api, user.token, ['IMAGES_WRITE']);

    const response = await api.gql('{ __typename viewer { id } __schema { queryType { name } } }', {}, token.secret);
    expect(response.errors).toBeUndefined();
    expect(response.data!.viewer.id).toBe(user.id);
  });
});

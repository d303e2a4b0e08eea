import { CONFIRM_UPLOAD, cameraJpeg, png, putToStorage, requestGrant, signUp } from './support/fixtures';
import { startTestApi, type TestApi } from './support/test-api';

const IMAGES = `
  query ($first: Int, $after: String, $filter: ImageFilter) {
    images(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id filename status width height url owner { id displayName } } }
    }
  }`;

const IMAGE = `query ($id: ID!) { image(id: $id) { id filename status url urlExpiresAt } }`;

describe('upload lifecycle', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });

  afterAll(async () => {
    await api.stop();
  });

  it('grants, uploads straight to storage, confirms and serves a view URL', async () => {
    const user = await signUp(api, 'alice');
    const photo = await cameraJpeg(640, 480);
    const filename = 'Ferien am Meer – Ü 1.jpg';

    const grant = await requestGrant(api, user.token, { filename, contentType: 'image/jpeg', byteSize: photo.length });
    expect(grant.method).toBe('PUT');
    expect(grant.image.status).toBe('PENDING_UPLOAD');
    const signedUrl = new URL(grant.url);
    expect(signedUrl.pathname).toMatch(new RegExp(`/incoming/${grant.image.id}$`));
    expect(signedUrl.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host');
    expect(signedUrl.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(grant.url).not.toContain('Ferien');
    expect(grant.url).not.toContain('x-amz-checksum-crc32');

    const put = await putToStorage(grant, photo);
    expect(put.status).toBe(200);

    const confirmed = await api.gql(CONFIRM_UPLOAD, { id: grant.image.id }, user.token);
    expect(confirmed.errors).toBeUndefined();
    const image = confirmed.data!.confirmUpload;
    expect(image.status).toBe('APPROVED');
    expect(image.contentType).toBe('image/jpeg');
    expect(image.byteSize).toBe(photo.length);
    expect([image.width, image.height]).toEqual([640, 480]);
    expect(new URL(image.url).pathname).toMatch(new RegExp(`/images/${grant.image.id}$`));

    const view = await fetch(image.url);
    expect(view.status).toBe(200);
    expect(Buffer.from(await view.arrayBuffer()).equals(photo)).toBe(true);
    expect(view.headers.get('content-type')).toBe('image/jpeg');
    expect(view.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
    expect(view.headers.get('content-disposition')).toContain("filename*=UTF-8''Ferien%20am%20Meer%20%E2%80%93%20%C3%9C%201.jpg");

    // The upload stays under incoming/ until the grant reaper deletes it after the grant expired.
    const incoming = await api.sidestep.storage.head(`incoming/${grant.image.id}`);
    expect(incoming?.size).toBe(photo.length);

    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    const signings = Number(/^sidestep_view_url_signing_seconds_count (\d+)$/m.exec(metrics)?.[1]);
    expect(signings).toBeGreaterThan(0);

    const listed = await api.gql(IMAGES, { first: 10 }, user.token);
    expect(listed.data!.images.totalCount).toBe(1);
    expect(listed.data!.images.edges[0].node).toMatchObject({ id: grant.image.id, filename, width: 640, height: 480 });
  });

  it('confirms idempotently', async () => {
    const user = await signUp(api);
    const bytes = await png(32, 16);
    const grant = await requestGrant(api, user.token, { filename: 'a.png', contentType: 'image/png', byteSize: bytes.length });
    await putToStorage(grant, bytes);

    const first = await api.gql(CONFIRM_UPLOAD, { id: grant.image.id }, user.token);
    const second = await api.gql(CONFIRM_UPLOAD, { id: grant.image.id }, user.token);
    expect(first.data!.confirmUpload.status).toBe('APPROVED');
    expect(second.data!.confirmUpload).toEqual(first.data!.confirmUpload);
  });

  it('rejects bytes whose type differs from the declared one', async () => {
    const user = await signUp(api);
    const bytes = await png(20, 20);
    const grant = await requestGrant(api, user.token, { filename: 'fake.jpg', contentType: 'image/jpeg', byteSize: bytes.length });
    expect((await putToStorage(grant, bytes)).status).toBe(200);

    const confirmed = await api.gql(CONFIRM_UPLOAD, { id: grant.image.id }, user.token);
    expect(confirmed.errors?.[0].extensions?.code).toBe('UPLOAD_MISMATCH');
    expect(confirmed.errors?.[0].message).toContain('declared as image/jpeg but its bytes are image/png');

    const image = await api.gql(`query ($id: ID!) { image(id: $id) { status rejectionReason url } }`, { id: grant.image.id }, user.token);
    expect(image.data!.image).toMatchObject({ status: 'REJECTED', url: null });
    expect(image.data!.image.rejectionReason).toContain('image/png');
    expect(await api.sidestep.storage.head(`incoming/${grant.image.id}`)).toBeNull();
    expect(await api.sidestep.storage.head(`images/${grant.image.id}`)).toBeNull();
  });

  it('refuses an upload of a different size than granted', async () => {
    const user = await signUp(api);
    const bytes = await png(40, 40);
    const grant = await requestGrant(api, user.token, { filename: 'b.png', contentType: 'image/png', byteSize: bytes.length + 10 });

    // The grant signs Content-Length, so storage itself refuses other lengths.
    const refused = await putToStorage(grant, bytes);
    expect(refused.status).toBe(403);

    const confirmed = await api.gql(CONFIRM_UPLOAD, { id: grant.image.id }, user.token);
    expect(confirmed.errors?.[0].extensions?.code).toBe('UPLOAD_NOT_FOUND');
    expect(confirmed.errors?.[0].extensions?.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('hides one user\'s private image from another', async () => {
    const owner = await signUp(api, 'owner');
    const other = await signUp(api, 'other');
    const bytes = await png(8, 8);
    const grant = await requestGrant(api, owner.token, { filename: 'mine.png', contentType: 'image/png', byteSize: bytes.length });
    await putToStorage(grant, bytes);
    await api.gql(CONFIRM_UPLOAD, { id: grant.image.id }, owner.token);

    const seenByOwner = await api.gql(IMAGE, { id: grant.image.id }, owner.token);
    expect(seenByOwner.data!.image.url).toEqual(expect.any(String));

    const seenByOther = await api.gql(IMAGE, { id: grant.image.id }, other.token);
    expect(seenByOther.data!.image).toBeNull();
    const listedForOther = await api.gql(IMAGES, {}, other.token);
    expect(listedForOther.data!.images.totalCount).toBe(0);
    expect(listedForOther.data!.images.edges).toEqual([]);

    const anonymous = await api.gql(IMAGE, { id: grant.image.id });
    expect(anonymous.data!.image).toBeNull();

    const confirmByOther = await api.gql(CONFIRM_UPLOAD, { id: grant.image.id }, other.token);
    expect(confirmByOther.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('pages through images with cursors', async () => {
    const user = await signUp(api);
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const bytes = await png(4 + i, 4);
      const grant = await requestGrant(api, user.token, { filename: `p${i}.png`, contentType: 'image/png', byteSize: bytes.length });
      await putToStorage(grant, bytes);
      await api.gql(CONFIRM_UPLOAD, { id: grant.image.id }, user.token);
      ids.push(grant.image.id);
    }

    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 3; page += 1) {
      const result: any = await api.gql(IMAGES, { first: 2, after, filter: { mine: true } }, user.token);
      const connection = result.data.images;
      expect(connection.totalCount).toBe(5);
      seen.push(...connection.edges.map((edge: any) => edge.node.id));
      after = connection.pageInfo.endCursor;
      expect(connection.pageInfo.hasNextPage).toBe(page < 2);
    }
    expect(seen).toEqual([...ids].reverse());
  });

  it('deletes an image, its object and its quota use', async () => {
    const user = await signUp(api);
    const bytes = await png(10, 10);
    const grant = await requestGrant(api, user.token, { filename: 'gone.png', contentType: 'image/png', byteSize: bytes.length });
    await putToStorage(grant, bytes);
    await api.gql(CONFIRM_UPLOAD, { id: grant.image.id }, user.token);

    const deleted = await api.gql(`mutation ($id: ID!) { deleteImage(id: $id) }`, { id: grant.image.id }, user.token);
    expect(deleted.data!.deleteImage).toBe(true);
    expect(await api.sidestep.storage.head(`images/${grant.image.id}`)).toBeNull();

    const viewer = await api.gql(`{ viewer { quota { usedBytes reservedBytes usedCount reservedCount } } }`, {}, user.token);
    expect(viewer.data!.viewer.quota).toEqual({ usedBytes: 0, reservedBytes: 0, usedCount: 0, reservedCount: 0 });
  });
});

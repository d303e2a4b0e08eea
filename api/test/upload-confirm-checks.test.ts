import { CONFIRM_UPLOAD, cameraJpeg, png, putToStorage, requestGrant, signUp } from './support/fixtures';
import { putRaw } from './support/raw-storage';
import { startTestApi, type TestApi } from './support/test-api';

const QUOTA = `{ viewer { quota { usedBytes reservedBytes usedCount reservedCount } } }`;
const IMAGE = `query ($id: ID!) { image(id: $id) { id status rejectionReason url expiresAt visibility purpose } }`;

describe('confirm checks', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi({ UPLOAD_MAX_PIXELS: '1000000' });
  });

  afterAll(async () => {
    await api.stop();
  });

  /** Grants an upload of `declaredBytes`, then stores `stored` under its incoming key directly. */
  async function confirmWithStoredBytes(contentType: string, declaredBytes: number, stored: Buffer) {
    const user = await signUp(api);
    const grant = await requestGrant(api, user.token, { filename: 'x', contentType, byteSize: declaredBytes });
    await putRaw(api, `incoming/${grant.image.id}`, stored);
    const result = await api.gql(CONFIRM_UPLOAD, { id: grant.image.id }, user.token);
    return { user, grant, result };
  }

  async function expectRejectedAndReleased(user: { token: string }, imageId: string, reason: RegExp) {
    const image = await api.gql(IMAGE, { id: imageId }, user.token);
    expect(image.data!.image.status).toBe('REJECTED');
    expect(image.data!.image.rejectionReason).toMatch(reason);
    expect(image.data!.image.url).toBeNull();
    expect(await api.sidestep.storage.head(`incoming/${imageId}`)).toBeNull();
    expect(await api.sidestep.storage.head(`images/${imageId}`)).toBeNull();
    const quota = await api.gql(QUOTA, {}, user.token);
    expect(quota.data!.viewer.quota).toEqual({ usedBytes: 0, reservedBytes: 0, usedCount: 0, reservedCount: 0 });
  }

  it('rejects a stored size that differs from the grant', async () => {
    const bytes = await png(30, 30);
    const { user, grant, result } = await confirmWithStoredBytes('image/png', bytes.length + 1, bytes);
    expect(result.errors?.[0].extensions?.code).toBe('UPLOAD_MISMATCH');
    expect(result.errors?.[0].message).toContain(`${bytes.length} bytes but the grant was for ${bytes.length + 1}`);
    await expectRejectedAndReleased(user, grant.image.id, /grant was for/);
  });

  it('rejects bytes replaced between the check and the copy', async () => {
    const user = await signUp(api);
    const checked = await png(40, 30);
    const grant = await requestGrant(api, user.token, { filename: 'swap.png', contentType: 'image/png', byteSize: checked.length });
    await putRaw(api, `incoming/${grant.image.id}`, checked);

    // A second PUT with the same grant lands after confirm read the object and before it copies.
    const replacement = Buffer.from(checked);
    replacement[replacement.length - 20] ^= 0xff;
    const storage = api.sidestep.storage;
    const copy = storage.copy.bind(storage);
    const spy = jest.spyOn(storage, 'copy').mockImplementationOnce(async (...args) => {
      await putRaw(api, `incoming/${grant.image.id}`, replacement);
      return copy(...args);
    });
    try {
      const result = await api.gql(CONFIRM_UPLOAD, { id: grant.image.id }, user.token);
      expect(result.errors?.[0].extensions?.code).toBe('UPLOAD_MISMATCH');
      expect(result.errors?.[0].message).toContain('replaced by another upload');
    } finally {
      spy.mockRestore();
    }
    await expectRejectedAndReleased(user, grant.image.id, /replaced by another upload/);
  });

  it('rejects an empty object', async () => {
    const { user, grant, result } = await confirmWithStoredBytes('image/png', 100, Buffer.alloc(0));
    expect(result.errors?.[0].extensions?.code).toBe('UPLOAD_MISMATCH');
    await expectRejectedAndReleased(user, grant.image.id, /empty/);
  });

  it('rejects a JPEG whose header cannot be read', async () => {
    const broken = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0'), Buffer.alloc(400, 0x41)]);
    const { user, grant, result } = await confirmWithStoredBytes('image/jpeg', broken.length, broken);
    expect(result.errors?.[0].extensions?.code).toBe('UPLOAD_MISMATCH');
    await expectRejectedAndReleased(user, grant.image.id, /header could not be read/);
  });

  it('rejects text posing as an image', async () => {
    const html = Buffer.from('<html><script>alert(1)</script></html>');
    const { user, grant, result } = await confirmWithStoredBytes('image/gif', html.length, html);
    expect(result.errors?.[0].message).toContain('declared as image/gif but its bytes are an unrecognised format');
    await expectRejectedAndReleased(user, grant.image.id, /unrecognised/);
  });

  it('rejects images over the pixel cap', async () => {
    const big = await png(1001, 1000);
    const { user, grant, result } = await confirmWithStoredBytes('image/png', big.length, big);
    expect(result.errors?.[0].message).toContain('1001×1000 (1001000 pixels), over the limit of 1000000 pixels');
    await expectRejectedAndReleased(user, grant.image.id, /pixels/);
  });

  it('keeps rejecting on a repeated confirm without changing anything', async () => {
    const bytes = await png(10, 10);
    const { user, grant } = await confirmWithStoredBytes('image/jpeg', bytes.length, bytes);
    const again = await api.gql(CONFIRM_UPLOAD, { id: grant.image.id }, user.token);
    expect(again.errors?.[0].extensions?.code).toBe('UPLOAD_MISMATCH');
    await expectRejectedAndReleased(user, grant.image.id, /image\/png/);
  });

  it('reads dimensions of a camera JPEG with large EXIF reading only small ranges', async () => {
    const photo = await cameraJpeg(1000, 750);
    const user = await signUp(api);
    const grant = await requestGrant(api, user.token, { filename: 'cam.jpg', contentType: 'image/jpeg', byteSize: photo.length });
    await putToStorage(grant, photo);
    const result = await api.gql(CONFIRM_UPLOAD, { id: grant.image.id }, user.token);
    expect(result.data!.confirmUpload).toMatchObject({ width: 1000, height: 750, status: 'APPROVED' });
  });

  it('commits the real size to the quota at confirm', async () => {
    const bytes = await png(50, 20);
    const user = await signUp(api);
    const grant = await requestGrant(api, user.token, { filename: 'q.png', contentType: 'image/png', byteSize: bytes.length });
    const reserved = await api.gql(QUOTA, {}, user.token);
    expect(reserved.data!.viewer.quota).toEqual({ usedBytes: 0, reservedBytes: bytes.length, usedCount: 0, reservedCount: 1 });

    await putToStorage(grant, bytes);
    await api.gql(CONFIRM_UPLOAD, { id: grant.image.id }, user.token);
    const used = await api.gql(QUOTA, {}, user.token);
    expect(used.data!.viewer.quota).toEqual({ usedBytes: bytes.length, reservedBytes: 0, usedCount: 1, reservedCount: 0 });
  });

  it('keeps served bytes when the grant URL is reused after confirm', async () => {
    const original = await png(64, 64);
    const user = await signUp(api);
    const grant = await requestGrant(api, user.token, { filename: 'keep.png', contentType: 'image/png', byteSize: original.length });
    await putToStorage(grant, original);
    const confirmed = await api.gql(CONFIRM_UPLOAD, { id: grant.image.id }, user.token);

    const replacement = Buffer.alloc(original.length, 0x42);
    const reuse = await putToStorage(grant, replacement);
    expect(reuse.status).toBe(200); // the grant is still valid, but it writes only to incoming/

    const served = await fetch(confirmed.data!.confirmUpload.url);
    expect(Buffer.from(await served.arrayBuffer()).equals(original)).toBe(true);
    const again = await api.gql(CONFIRM_UPLOAD, { id: grant.image.id }, user.token);
    expect(again.data!.confirmUpload.status).toBe('APPROVED');
    const servedAgain = await fetch(again.data!.confirmUpload.url);
    expect(Buffer.from(await servedAgain.arrayBuffer()).equals(original)).toBe(true);
  });

  it('sends public gallery images to review, hidden from other users', async () => {
    const bytes = await png(12, 12);
    const owner = await signUp(api);
    const other = await signUp(api);
    const grant = await requestGrant(api, owner.token, {
      filename: 'pub.png',
      contentType: 'image/png',
      byteSize: bytes.length,
      visibility: 'PUBLIC',
    });
    await putToStorage(grant, bytes);
    const confirmed = await api.gql(CONFIRM_UPLOAD, { id: grant.image.id }, owner.token);
    expect(confirmed.data!.confirmUpload.status).toBe('IN_REVIEW');
    expect(confirmed.data!.confirmUpload.url).toEqual(expect.any(String));

    const seenByOther = await api.gql(IMAGE, { id: grant.image.id }, other.token);
    expect(seenByOther.data!.image).toBeNull();
  });

  it('keeps processing inputs private, unreviewed and expiring', async () => {
    const bytes = await png(12, 12);
    const user = await signUp(api);
    const grant = await requestGrant(api, user.token, {
      filename: 'in.png',
      contentType: 'image/png',
      byteSize: bytes.length,
      purpose: 'PROCESSING',
    });
    await putToStorage(grant, bytes);
    await api.gql(CONFIRM_UPLOAD, { id: grant.image.id }, user.token);

    const image = await api.gql(IMAGE, { id: grant.image.id }, user.token);
    expect(image.data!.image).toMatchObject({ status: 'APPROVED', visibility: 'PRIVATE', purpose: 'PROCESSING' });
    const hoursLeft = (Date.parse(image.data!.image.expiresAt) - Date.now()) / 3_600_000;
    expect(hoursLeft).toBeGreaterThan(23.9);
    expect(hoursLeft).toBeLessThanOrEqual(24);
  });
});

describe('confirm after the grant expired', () => {
  let api: TestApi;

  beforeAll(async () => {
    // Grants are signed at the start of the current second, so a TTL of 3 s leaves at least
    // 2 s for the first confirm, even on a loaded machine.
    api = await startTestApi({ UPLOAD_GRANT_TTL_SECONDS: '3' });
  });

  afterAll(async () => {
    await api.stop();
  });

  it('answers UPLOAD_NOT_FOUND before expiry and GRANT_EXPIRED after', async () => {
    const user = await signUp(api);
    const grant = await requestGrant(api, user.token, { filename: 'late.png', contentType: 'image/png', byteSize: 100 });

    const early = await api.gql(CONFIRM_UPLOAD, { id: grant.image.id }, user.token);
    expect(early.errors?.[0].extensions?.code).toBe('UPLOAD_NOT_FOUND');

    const expiresAt = Date.parse(grant.expiresAt);
    await waitUntil(() => Date.now() > expiresAt + 50);
    const late = await api.gql(CONFIRM_UPLOAD, { id: grant.image.id }, user.token);
    expect(late.errors?.[0].extensions?.code).toBe('GRANT_EXPIRED');
    expect(late.errors?.[0].message).toContain('Request a new grant');
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

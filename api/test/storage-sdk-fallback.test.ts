import { createHash, randomBytes } from 'node:crypto';
import { DirectS3Requests } from '../src/storage/direct-requests';
import { CONFIRM_UPLOAD, cameraJpeg, putToStorage, requestGrant, signUp } from './support/fixtures';
import { putRaw } from './support/raw-storage';
import { startTestApi, type TestApi } from './support/test-api';

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

/**
 * When the signer for confirm's direct requests cannot be set up, the SDK
 * sends the ranged GETs, copies and single deletes instead. Only the setup
 * step is made to fail here. Every request still goes to the real S3 server.
 */
describe('storage requests through the SDK when direct requests are unavailable', () => {
  let api: TestApi;
  let setup: jest.SpyInstance;
  const body = randomBytes(20_000);

  beforeAll(async () => {
    setup = jest.spyOn(DirectS3Requests, 'fromClient').mockRejectedValue(new Error('The probe request could not be built.'));
    api = await startTestApi();
    await putRaw(api, 'incoming/sdk-read', body);
    await putRaw(api, 'incoming/sdk-empty', Buffer.alloc(0));
  });

  afterAll(async () => {
    setup.mockRestore();
    await api.stop();
  });

  it('reads a range with the size and ETag', async () => {
    const range = await api.sidestep.storage.read('incoming/sdk-read', 1000, 500);
    expect(range).toEqual({ bytes: body.subarray(1000, 1500), size: body.length, etag: md5(body) });
    expect(setup).toHaveBeenCalled();
  });

  it('reads empty and missing objects', async () => {
    expect(await api.sidestep.storage.read('incoming/sdk-empty', 0, 65_536)).toMatchObject({ bytes: Buffer.alloc(0), size: 0 });
    expect(await api.sidestep.storage.read('incoming/sdk-never-written', 0, 10)).toBeNull();
  });

  it('copies with new metadata and deletes one key', async () => {
    const copied = await api.sidestep.storage.copy('incoming/sdk-read', 'images/sdk-copy', { contentType: 'image/png', contentDisposition: 'inline' }, md5(body));
    expect(copied.etag).toBe(md5(body));
    expect(await api.sidestep.storage.head('images/sdk-copy')).toMatchObject({ size: body.length, contentType: 'image/png' });

    await api.sidestep.storage.deleteMany(['images/sdk-copy']);
    expect(await api.sidestep.storage.head('images/sdk-copy')).toBeNull();
  });

  it('confirms an upload end to end', async () => {
    const user = await signUp(api, 'fallback');
    const photo = await cameraJpeg(64, 48);
    const grant = await requestGrant(api, user.token, { filename: 'fallback.jpg', contentType: 'image/jpeg', byteSize: photo.length });
    expect((await putToStorage(grant, photo)).status).toBe(200);

    const result = await api.gql(CONFIRM_UPLOAD, { id: grant.image.id }, user.token);
    expect(result.errors).toBeUndefined();
    expect(result.data!.confirmUpload).toMatchObject({ status: 'APPROVED', width: 64, height: 48, byteSize: photo.length });
    expect(await api.sidestep.storage.head(`images/${grant.image.id}`)).toMatchObject({ size: photo.length, contentType: 'image/jpeg' });
  });
});

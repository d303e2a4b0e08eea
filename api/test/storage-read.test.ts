import { randomBytes } from 'node:crypto';
import { putRaw } from './support/raw-storage';
import { startTestApi, type TestApi } from './support/test-api';

/**
 * Ranged reads through presigned GETs against the real S3 server: one request
 * gives the bytes asked for and the size of the whole object, and a missing
 * object reads as null.
 */
describe('S3ObjectStorage.read', () => {
  let api: TestApi;
  const body = randomBytes(100_000);

  beforeAll(async () => {
    api = await startTestApi();
    await putRaw(api, 'incoming/read-test', body);
    await putRaw(api, 'incoming/read-empty', Buffer.alloc(0));
    await putRaw(api, 'incoming/ä ö/100% #1?.bin', body.subarray(0, 10));
  });

  afterAll(() => api.stop());

  it('reads the first bytes and the whole size in one request', async () => {
    const range = await api.sidestep.storage.read('incoming/read-test', 0, 4096);
    expect(range?.size).toBe(100_000);
    expect(range?.bytes.equals(body.subarray(0, 4096))).toBe(true);
  });

  it('reads from an offset and stops at the end of the object', async () => {
    const middle = await api.sidestep.storage.read('incoming/read-test', 50_000, 1000);
    expect(middle?.bytes.equals(body.subarray(50_000, 51_000))).toBe(true);

    const tail = await api.sidestep.storage.read('incoming/read-test', 99_990, 1000);
    expect(tail).toEqual({ bytes: body.subarray(99_990), size: 100_000 });
  });

  it('reads nothing past the end and names the size', async () => {
    const past = await api.sidestep.storage.read('incoming/read-test', 100_000, 10);
    expect(past?.bytes.length).toBe(0);
    expect(past?.size).toBe(100_000);
  });

  it('reads an empty object as size 0 without waiting for a body', async () => {
    expect(await api.sidestep.storage.read('incoming/read-empty', 0, 65_536)).toEqual({ bytes: Buffer.alloc(0), size: 0 });
  });

  it('reads keys with spaces, Unicode and reserved characters', async () => {
    const range = await api.sidestep.storage.read('incoming/ä ö/100% #1?.bin', 0, 64);
    expect(range).toEqual({ bytes: body.subarray(0, 10), size: 10 });
  });

  it('returns null for a missing object', async () => {
    expect(await api.sidestep.storage.read('incoming/never-written', 0, 10)).toBeNull();
  });

  it('rejects a negative offset or an empty length', async () => {
    await expect(api.sidestep.storage.read('incoming/read-test', -1, 10)).rejects.toThrow(/offset -1/);
    await expect(api.sidestep.storage.read('incoming/read-test', 0, 0)).rejects.toThrow(/0 bytes/);
  });
});

import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { create as contentDisposition } from 'content-disposition';
import { ConfigError, loadConfig } from '../src/config/config';
import { createLogger } from '../src/logging/logger';
import { S3ObjectStorage } from '../src/storage/s3-object-storage';
import { putRaw } from './support/raw-storage';
import { startTestApi, type TestApi } from './support/test-api';

/**
 * The requests confirm sends without the SDK, against the real S3 server,
 * which checks every signature: ranged reads that also give the object's
 * size, server-side copies that replace the metadata, and single deletes.
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
    expect(tail).toEqual({ bytes: body.subarray(99_990), size: 100_000, etag: createHash('md5').update(body).digest('hex') });
  });

  it('reads nothing past the end and names the size', async () => {
    const past = await api.sidestep.storage.read('incoming/read-test', 100_000, 10);
    expect(past?.bytes.length).toBe(0);
    expect(past?.size).toBe(100_000);
  });

  it('reads an empty object as size 0 without waiting for a body', async () => {
    expect(await api.sidestep.storage.read('incoming/read-empty', 0, 65_536)).toMatchObject({ bytes: Buffer.alloc(0), size: 0 });
  });

  it('reads keys with spaces, Unicode and reserved characters', async () => {
    const range = await api.sidestep.storage.read('incoming/ä ö/100% #1?.bin', 0, 64);
    expect(range).toMatchObject({ bytes: body.subarray(0, 10), size: 10 });
  });

  it('returns null for a missing object', async () => {
    expect(await api.sidestep.storage.read('incoming/never-written', 0, 10)).toBeNull();
  });

  it('rejects a negative offset or an empty length', async () => {
    await expect(api.sidestep.storage.read('incoming/read-test', -1, 10)).rejects.toThrow(/offset -1/);
    await expect(api.sidestep.storage.read('incoming/read-test', 0, 0)).rejects.toThrow(/0 bytes/);
  });
});

describe('S3ObjectStorage.copy and single deletes', () => {
  let api: TestApi;
  let client: S3Client;
  const body = randomBytes(5000);
  // The embedded server decodes x-amz-copy-source with decodeURI, which leaves %23, %2B and %3F
  // encoded, so no key here has "#", "+" or "?". Sidestep's own keys are UUIDs.
  const keys = ['incoming/plain-source', 'incoming/ä ö/100% (1).bin', "incoming/O'Brien (draft) [2].jpg"];

  beforeAll(async () => {
    api = await startTestApi();
    const { s3 } = api.sidestep.config;
    client = new S3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
    for (const key of keys) await putRaw(api, key, body);
  });

  afterAll(async () => {
    client.destroy();
    await api.stop();
  });

  it.each(keys)('copies %j with new metadata', async (source) => {
    const target = `images/copy of ${source.split('/').pop()}`;
    const disposition = contentDisposition('Ferien am Meer – Ü 1.jpg', { type: 'inline' });
    const read = await api.sidestep.storage.read(source, 0, 16);
    const copied = await api.sidestep.storage.copy(source, target, { contentType: 'image/jpeg', contentDisposition: disposition }, read?.etag);
    // The copy of an object uploaded in one part has the same ETag, the MD5 of its bytes.
    expect(copied.etag).toBe(createHash('md5').update(body).digest('hex'));
    expect(read?.etag).toBe(copied.etag);

    const head = await client.send(new HeadObjectCommand({ Bucket: api.sidestep.config.s3.bucket, Key: target }));
    expect(head.ContentType).toBe('image/jpeg');
    expect(head.ContentDisposition).toBe(disposition);
    expect((await api.sidestep.storage.read(target, 0, 10_000))?.bytes.equals(body)).toBe(true);
  });

  it('fails a copy from a missing source', async () => {
    await expect(
      api.sidestep.storage.copy('incoming/never-written', 'images/never', { contentType: 'image/png', contentDisposition: 'inline' }),
    ).rejects.toThrow(/CopyObject.*NoSuchKey/);
  });

  it.each(keys)('deletes %j', async (key) => {
    await api.sidestep.storage.deleteMany([key]);
    expect(await api.sidestep.storage.head(key)).toBeNull();
  });

  it('deletes a missing key without an error', async () => {
    await expect(api.sidestep.storage.deleteMany(['incoming/never-written'])).resolves.toBeUndefined();
  });

  it('is rejected by the server when signed with the wrong secret', async () => {
    const { s3, view } = api.sidestep.config;
    const wrong = new S3ObjectStorage({ ...s3, secretAccessKey: `${s3.secretAccessKey}-wrong` }, view, createLogger('silent'));
    try {
      // The messages also show that the requests went out directly, not through the SDK's fallback.
      await expect(wrong.read('incoming/plain-source', 0, 10)).rejects.toThrow('rejected a ranged GET with status 403 (SignatureDoesNotMatch)');
      await expect(wrong.deleteMany(['incoming/plain-source'])).rejects.toThrow('rejected DeleteObject with status 403 (SignatureDoesNotMatch)');
      await expect(wrong.copy('incoming/plain-source', 'images/x', { contentType: 'image/png', contentDisposition: 'inline' })).rejects.toThrow(
        'rejected CopyObject with status 403 (SignatureDoesNotMatch)',
      );
    } finally {
      wrong.destroy();
    }
  });
});

describe('storage request timeouts', () => {
  // A server on loopback that accepts connections and never responds.
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((socket) => sockets.add(socket));
  let storage: S3ObjectStorage;

  beforeAll(async () => {
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const endpoint = `http://127.0.0.1:${port}`;
    storage = new S3ObjectStorage(
      {
        endpoint,
        publicEndpoint: endpoint,
        region: 'us-east-1',
        bucket: 'sidestep',
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
        forcePathStyle: true,
        keepPrefixMarkers: false,
        requestTimeoutMs: 200,
      },
      { ttlSeconds: 3600, windowSeconds: 900 },
      createLogger('silent'),
    );
  });

  afterAll(async () => {
    storage.destroy();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('fails a direct request that gets no response', async () => {
    const started = Date.now();
    await expect(storage.read('incoming/slow', 0, 10)).rejects.toThrow('got no response within 200 ms');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('fails an SDK request that gets no response', async () => {
    const started = Date.now();
    await expect(storage.head('incoming/slow')).rejects.toThrow(/HeadObject.*exceeded the configured 200 ms/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('storage timeout setting', () => {
  it('defaults to 30 s and rejects values out of range', () => {
    expect(loadConfig({}).s3.requestTimeoutMs).toBe(30_000);
    expect(loadConfig({ S3_REQUEST_TIMEOUT_MS: '1500' }).s3.requestTimeoutMs).toBe(1500);
    expect(() => loadConfig({ S3_REQUEST_TIMEOUT_MS: '5' })).toThrow(ConfigError);
    try {
      loadConfig({ S3_REQUEST_TIMEOUT_MS: 'soon' });
    } catch (error) {
      expect((error as ConfigError).problems.join('\n')).toContain('S3_REQUEST_TIMEOUT_MS="soon" is not a whole number');
    }
    expect.assertions(4);
  });
});

describe('storage connection reuse', () => {
  it('resends after the store closed a reused connection', async () => {
    // A server on loopback that responds to the first request on each connection with NoSuchKey and
    // drops the connection at the second, as a store does when its keep-alive timeout ends.
    const requestsPerSocket = new Map<net.Socket, number>();
    const server = http.createServer((request, response) => {
      const count = (requestsPerSocket.get(request.socket) ?? 0) + 1;
      requestsPerSocket.set(request.socket, count);
      if (count > 1) {
        request.socket.destroy();
        return;
      }
      response.writeHead(404, { 'content-type': 'application/xml' });
      response.end('<Error><Code>NoSuchKey</Code></Error>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const storage = new S3ObjectStorage(
      {
        endpoint,
        publicEndpoint: endpoint,
        region: 'us-east-1',
        bucket: 'sidestep',
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
        forcePathStyle: true,
        keepPrefixMarkers: false,
        requestTimeoutMs: 5000,
      },
      { ttlSeconds: 3600, windowSeconds: 900 },
      createLogger('silent'),
    );
    try {
      expect(await storage.read('incoming/first', 0, 10)).toBeNull();
      // The second read goes out on the kept-alive connection, which the server drops.
      expect(await storage.read('incoming/second', 0, 10)).toBeNull();
      expect(requestsPerSocket.size).toBe(2);
    } finally {
      storage.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});


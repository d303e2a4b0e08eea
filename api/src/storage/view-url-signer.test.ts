import { GetObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { create as contentDisposition } from 'content-disposition';
import { createLogger } from '../logging/logger';
import { S3ObjectStorage } from './s3-object-storage';
import { signWithSdk, UploadGrantSigner } from './upload-grant-signer';
import { escapeObjectKey, formatQuery, parseProbeUrl, ViewUrlSigner, ViewUrlSignerMismatchError } from './view-url-signer';

/** Keys a store accepts, chosen for characters that URI encoding and path handling treat specially. */
const KEYS = [
  'images/0b6f5a52-8a4c-4c57-9a59-1f2c0d7e9b11',
  'incoming/0b6f5a52-8a4c-4c57-9a59-1f2c0d7e9b11',
  'a',
  'plain-_.~/Segments/0123456789',
  'space in name.jpg',
  'plus+and=equals&amp;.png',
  'question?hash#fragment',
  "apostrophe's (parens) star* bang!",
  'percent%20already%2Fencoded',
  'colon:at@semicolon;comma,dollar$',
  'brackets[] braces{} pipe| caret^ backtick` backslash\\ quote" lt< gt>',
  'tab\tnewline\ncarriage\rreturn',
  '\u0000nul and \u007fdel',
  'Ferien am Meer – Ü 1.jpg',
  'café/naïve/résumé.webp',
  'e\u0301 combining acute',
  '日本語のファイル名.png',
  '한국어/中文/العربية/עברית.gif',
  'emoji 😀🎉👩‍👩‍👧.avif',
  '\ufeffbyte order mark',
  '/leading/slash',
  'trailing/slash/',
  'double//slash',
  '///',
  './dot/../dotdot/.',
  '..',
  '.',
  'x'.repeat(1024),
  'ü'.repeat(300),
];

/** Original filenames as users send them, used as keys and in a Content-Disposition override. */
const FILENAMES = [
  'IMG_0001.JPG',
  'Ferien am Meer – Ü 1.jpg',
  "O'Brien (draft) #2?.png",
  'résumé & cover letter; final=yes.pdf.png',
  '100% "real" photo.webp',
  '屏幕截图 2024-01-01 10.00.00.png',
  '😀 party.gif',
  'back\\slash and /slash.jpg',
];

const SIGNING_DATES = [new Date(Date.UTC(2026, 11, 4, 0, 0, 0)), new Date(Date.UTC(2030, 1, 28, 23, 45, 0)), new Date(0)];
const EXPIRIES = [1, 4500, 7 * 24 * 3600];

interface Setup {
  name: string;
  client: S3ClientConfig;
  bucket: string;
}

const STATIC_CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

const SETUPS: Setup[] = [
  {
    name: 'embedded server, path-style with a port',
    client: { endpoint: 'http://localhost:4569', region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
    bucket: 'sidestep',
  },
  {
    name: 'MinIO behind https, path-style without a port',
    client: { endpoint: 'https://storage.example.test', region: 'eu-central-1', forcePathStyle: true, credentials: STATIC_CREDENTIALS },
    bucket: 'sidestep-images',
  },
  {
    name: 'endpoint with a base path',
    client: { endpoint: 'http://127.0.0.1:9000/s3/', region: 'us-west-2', forcePathStyle: true, credentials: STATIC_CREDENTIALS },
    bucket: 'sidestep',
  },
  {
    name: 'custom endpoint, virtual-hosted',
    client: { endpoint: 'https://objects.example.test:8443', region: 'ap-southeast-2', forcePathStyle: false, credentials: STATIC_CREDENTIALS },
    bucket: 'sidestep',
  },
  {
    name: 'AWS default endpoint with session credentials',
    client: {
      region: 'eu-west-1',
      credentials: { ...STATIC_CREDENTIALS, sessionToken: 'FwoGZXIvYXdzEJr//////////wEaDOdOJp+session/token==' },
    },
    bucket: 'sidestep.images',
  },
];

function createClient(config: S3ClientConfig): S3Client {
  return new S3Client({ ...config, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
}

async function sdkUrl(client: S3Client, input: ConstructorParameters<typeof GetObjectCommand>[0], signingDate: Date, expiresIn: number) {
  return getSignedUrl(client, new GetObjectCommand(input), { signingDate, expiresIn });
}

describe('ViewUrlSigner', () => {
  describe.each(SETUPS)('$name', ({ client: clientConfig, bucket }) => {
    const client = createClient(clientConfig);
    const overrides = { ResponseCacheControl: 'private, max-age=3600' };
    let signer: ViewUrlSigner;

    beforeAll(async () => {
      signer = await ViewUrlSigner.fromClient(client, { Bucket: bucket, ...overrides });
    });

    afterAll(() => client.destroy());

    it('matches getSignedUrl for every key, date and expiry', async () => {
      const mismatches: string[] = [];
      let compared = 0;
      for (const signingDate of SIGNING_DATES) {
        for (const expiresIn of EXPIRIES) {
          for (const key of KEYS) {
            const expected = await sdkUrl(client, { Bucket: bucket, Key: key, ...overrides }, signingDate, expiresIn);
            const actual = await signer.sign(key, signingDate, expiresIn);
            compared += 1;
            if (actual !== expected) mismatches.push(`${JSON.stringify(key)}\n  sdk:  ${expected}\n  fast: ${actual}`);
          }
        }
      }
      expect(mismatches).toEqual([]);
      expect(compared).toBe(SIGNING_DATES.length * EXPIRIES.length * KEYS.length);
    });

    it('matches getSignedUrl for filenames as keys and in overrides', async () => {
      const signingDate = SIGNING_DATES[0];
      for (const filename of FILENAMES) {
        const input = {
          Bucket: bucket,
          ResponseContentDisposition: contentDisposition(filename, { type: 'inline' }),
          ResponseContentType: 'image/jpeg',
          ResponseCacheControl: 'private, max-age=60',
        };
        const withOverrides = await ViewUrlSigner.fromClient(client, input);
        for (const key of [filename, `uploads/${filename}`, KEYS[0]]) {
          const expected = await sdkUrl(client, { ...input, Key: key }, signingDate, 960);
          expect(await withOverrides.sign(key, signingDate, 960)).toBe(expected);
        }
      }
    });
  });

  it('signs windows out of order and back again', async () => {
    const client = createClient(SETUPS[0].client);
    const signer = await ViewUrlSigner.fromClient(client, { Bucket: 'sidestep' });
    const order = [0, 1, 0, 2, 1, 0, 2, 2, 1];
    for (const index of order) {
      const signingDate = SIGNING_DATES[index];
      expect(await signer.sign(KEYS[0], signingDate, 900)).toBe(await sdkUrl(client, { Bucket: 'sidestep', Key: KEYS[0] }, signingDate, 900));
    }
    client.destroy();
  });

  it('signs concurrent calls of a new window alike', async () => {
    const client = createClient(SETUPS[0].client);
    const signer = await ViewUrlSigner.fromClient(client, { Bucket: 'sidestep' });
    const signingDate = SIGNING_DATES[1];
    const urls = await Promise.all(KEYS.map((key) => signer.sign(key, signingDate, 1800)));
    const expected = await Promise.all(KEYS.map((key) => sdkUrl(client, { Bucket: 'sidestep', Key: key }, signingDate, 1800)));
    expect(urls).toEqual(expected);
    client.destroy();
  });

  it('rejects what getSignedUrl rejects', async () => {
    const client = createClient(SETUPS[0].client);
    const signer = await ViewUrlSigner.fromClient(client, { Bucket: 'sidestep' });
    const signingDate = SIGNING_DATES[0];

    await expect(sdkUrl(client, { Bucket: 'sidestep', Key: 'a' }, signingDate, 7 * 24 * 3600 + 1)).rejects.toBeDefined();
    await expect(signer.sign('a', signingDate, 7 * 24 * 3600 + 1)).rejects.toThrow(RangeError);

    await expect(sdkUrl(client, { Bucket: 'sidestep', Key: 'lone \ud800 surrogate' }, signingDate, 60)).rejects.toThrow(URIError);
    await expect(signer.sign('lone \ud800 surrogate', signingDate, 60)).rejects.toThrow(URIError);

    await expect(signer.sign('', signingDate, 60)).rejects.toThrow('The object key is empty');
    await expect(signer.sign('a', new Date(Number.NaN), 60)).rejects.toThrow(RangeError);
    client.destroy();
  });
});

describe('parseProbeUrl', () => {
  const probe =
    'http://localhost:4569/sidestep/sidestep-view-url-signer-probe?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD' +
    '&X-Amz-Credential=S3RVER%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=60' +
    '&X-Amz-Signature=abc&X-Amz-SignedHeaders=host&x-id=GetObject';

  it('reads the URL shape', () => {
    expect(parseProbeUrl(probe)).toEqual({
      origin: 'http://localhost:4569',
      host: 'localhost:4569',
      pathPrefix: '/sidestep/',
      region: 'us-east-1',
      service: 's3',
      payloadHash: 'UNSIGNED-PAYLOAD',
      fixedQuery: { 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256', 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD', 'X-Amz-SignedHeaders': 'host', 'x-id': 'GetObject' },
    });
  });

  it('rejects URLs that sign more than the host', () => {
    expect(() => parseProbeUrl(probe.replace('X-Amz-SignedHeaders=host', 'X-Amz-SignedHeaders=host%3Brange'))).toThrow(ViewUrlSignerMismatchError);
  });

  it('rejects URLs whose path does not end with the probe key', () => {
    expect(() => parseProbeUrl(probe.replace('sidestep-view-url-signer-probe', 'other'))).toThrow(ViewUrlSignerMismatchError);
  });
});

describe('escapeObjectKey', () => {
  it('leaves unreserved characters and slashes alone', () => {
    expect(escapeObjectKey('images/AZaz09-_.~')).toBe('images/AZaz09-_.~');
  });

  it('escapes the characters encodeURIComponent keeps', () => {
    expect(escapeObjectKey("a!b'c(d)e*f")).toBe('a%21b%27c%28d%29e%2Af');
  });

  it('escapes each segment as UTF-8', () => {
    expect(escapeObjectKey('ü/😀 x')).toBe('%C3%BC/%F0%9F%98%80%20x');
  });
});

describe('formatQuery', () => {
  it('sorts names and escapes names and values', () => {
    expect(formatQuery({ b: "it's", A: 'x y', 'response-cache-control': 'private, max-age=1' })).toBe(
      'A=x%20y&b=it%27s&response-cache-control=private%2C%20max-age%3D1',
    );
  });
});

/** Declared types, lengths and checksums of upload grants; each checksum is base64 of 32 bytes. */
const GRANT_SHAPES = [
  { contentType: 'image/jpeg', contentLength: 1, sha256Base64: undefined },
  { contentType: 'image/png', contentLength: 104_857_600, sha256Base64: undefined },
  { contentType: 'image/webp', contentLength: 4_194_304, sha256Base64: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=' },
  { contentType: 'image/avif', contentLength: 20_971_520, sha256Base64: '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' },
];

describe('UploadGrantSigner', () => {
  describe.each(SETUPS)('$name', ({ client: clientConfig, bucket }) => {
    const client = createClient(clientConfig);
    let signer: UploadGrantSigner;

    beforeAll(async () => {
      signer = await UploadGrantSigner.fromClient(client, bucket);
    });

    afterAll(() => client.destroy());

    it('matches getSignedUrl for every key, shape, date and expiry', async () => {
      const mismatches: string[] = [];
      let compared = 0;
      for (const signingDate of SIGNING_DATES) {
        for (const expiresInSeconds of EXPIRIES) {
          for (const [index, key] of KEYS.entries()) {
            const request = { key, ...GRANT_SHAPES[index % GRANT_SHAPES.length], expiresInSeconds, signingDate };
            const expected = await signWithSdk(client, bucket, request);
            const actual = await signer.sign(request);
            compared += 1;
            if (actual !== expected) mismatches.push(`${JSON.stringify(key)}\n  sdk:  ${expected}\n  fast: ${actual}`);
          }
        }
      }
      expect(mismatches).toEqual([]);
      expect(compared).toBe(SIGNING_DATES.length * EXPIRIES.length * KEYS.length);
    });

    it('keeps the checksum a signed header, out of the query', async () => {
      const url = await signer.sign({ key: KEYS[1], ...GRANT_SHAPES[2], expiresInSeconds: 600, signingDate: SIGNING_DATES[0] });
      const query = new URL(url).searchParams;
      expect(query.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host;x-amz-checksum-sha256');
      expect(url).not.toContain('checksum-sha256=');
    });
  });
});

describe('S3ObjectStorage.createViewUrl', () => {
  const s3 = {
    endpoint: 'http://127.0.0.1:4569',
    publicEndpoint: 'http://localhost:4569',
    region: 'us-east-1',
    bucket: 'sidestep',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
    keepPrefixMarkers: false,
    requestTimeoutMs: 30_000,
  };
  const view = { ttlSeconds: 3600, windowSeconds: 900 };
  const windowStart = Date.UTC(2026, 11, 4, 10, 0, 0);
  const publicClient = createClient({ endpoint: s3.publicEndpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  let now: jest.SpyInstance<number, []>;
  let storage: S3ObjectStorage;

  beforeEach(() => {
    now = jest.spyOn(Date, 'now').mockReturnValue(windowStart + 7 * 60_000);
    storage = new S3ObjectStorage(s3, view, createLogger('silent'));
  });

  afterEach(() => {
    storage.destroy();
    jest.restoreAllMocks();
  });

  afterAll(() => publicClient.destroy());

  const expectedUrl = (key: string, signingTime: number) =>
    sdkUrl(publicClient, { Bucket: 'sidestep', Key: key, ResponseCacheControl: 'private, max-age=3600' }, new Date(signingTime), 4500);

  it('signs at the window start for TTL plus window', async () => {
    const key = 'images/0b6f5a52-8a4c-4c57-9a59-1f2c0d7e9b11';
    const viewUrl = await storage.createViewUrl({ key });
    expect(viewUrl.url).toBe(await expectedUrl(key, windowStart));
    expect(viewUrl.expiresAt.toISOString()).toBe(new Date(windowStart + 4500_000).toISOString());
  });

  it('returns a URL minted in the current window from memory', async () => {
    const sign = jest.spyOn(ViewUrlSigner.prototype, 'sign');
    const key = 'images/5d1c2a8e-0f4b-4d7e-8c3a-2b9e6f1a7c44';
    const first = await storage.createViewUrl({ key });
    now.mockReturnValue(windowStart + 899_999);
    const second = await storage.createViewUrl({ key });

    expect(second.url).toBe(first.url);
    // The signer also signs a probe key once when it is created.
    expect(sign.mock.calls.filter(([signedKey]) => signedKey === key)).toHaveLength(1);
  });

  it('signs again in the next window', async () => {
    const key = 'images/5d1c2a8e-0f4b-4d7e-8c3a-2b9e6f1a7c44';
    const first = await storage.createViewUrl({ key });
    now.mockReturnValue(windowStart + 900_000);
    const next = await storage.createViewUrl({ key });

    expect(next.url).not.toBe(first.url);
    expect(next.url).toBe(await expectedUrl(key, windowStart + 900_000));
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REQUEST_UPLOAD, signUp } from './support/fixtures';
import { startTestApi, type TestApi } from './support/test-api';

const QUOTA = `{ viewer { quota { usedBytes reservedBytes limitBytes usedCount reservedCount limitCount } } }`;
const MAX_BYTES = 25 * 1024 * 1024;

interface BadInputCase {
  name: string;
  input: Record<string, unknown>;
  code: string;
  status?: number;
  messageContains?: string;
}

const valid = { filename: 'photo.jpg', contentType: 'image/jpeg', byteSize: 1000 };

const BAD_INPUTS: BadInputCase[] = [
  { name: 'SVG content type', input: { ...valid, contentType: 'image/svg+xml' }, code: 'UNSUPPORTED_TYPE', messageContains: 'image/svg+xml' },
  { name: 'HTML content type', input: { ...valid, contentType: 'text/html' }, code: 'UNSUPPORTED_TYPE', messageContains: 'text/html' },
  { name: 'unknown content type', input: { ...valid, contentType: 'application/octet-stream' }, code: 'UNSUPPORTED_TYPE' },
  { name: 'zero byte size', input: { ...valid, byteSize: 0 }, code: 'BAD_USER_INPUT', messageContains: '0' },
  { name: 'negative byte size', input: { ...valid, byteSize: -5 }, code: 'BAD_USER_INPUT', messageContains: '-5' },
  { name: 'fractional byte size', input: { ...valid, byteSize: 1.5 }, code: 'BAD_USER_INPUT', status: 400, messageContains: '1.5' },
  { name: 'string byte size', input: { ...valid, byteSize: 'many' }, code: 'BAD_USER_INPUT', status: 400 },
  { name: 'oversize file', input: { ...valid, byteSize: MAX_BYTES + 1 }, code: 'FILE_TOO_LARGE', messageContains: String(MAX_BYTES) },
  { name: 'empty filename', input: { ...valid, filename: '' }, code: 'BAD_USER_INPUT', messageContains: 'filename' },
  { name: 'blank filename', input: { ...valid, filename: '   ' }, code: 'BAD_USER_INPUT', messageContains: 'filename' },
  { name: 'overlong filename', input: { ...valid, filename: 'a'.repeat(256) }, code: 'BAD_USER_INPUT', messageContains: '255' },
  { name: 'NUL in filename', input: { ...valid, filename: 'a\u0000b.jpg' }, code: 'BAD_USER_INPUT', messageContains: 'NUL' },
  { name: 'malformed sha256', input: { ...valid, sha256: 'xyz' }, code: 'BAD_USER_INPUT', messageContains: 'xyz' },
  { name: 'public processing image', input: { ...valid, purpose: 'PROCESSING', visibility: 'PUBLIC' }, code: 'BAD_USER_INPUT', messageContains: 'PRIVATE' },
  { name: 'unknown purpose', input: { ...valid, purpose: 'AVATAR' }, code: 'BAD_USER_INPUT', status: 400 },
];

describe('uploadLimits', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi({ UPLOAD_MAX_BYTES: '1048576', UPLOAD_MAX_PIXELS: '5000000000', UPLOAD_GRANT_TTL_SECONDS: '120' });
  });

  afterAll(async () => {
    await api.stop();
  });

  it('returns the configured limits to anyone', async () => {
    const result = await api.gql(`{ uploadLimits { maxBytes allowedTypes maxPixels filenameMaxLength grantTtlSeconds } }`);
    expect(result.errors).toBeUndefined();
    expect(result.data!.uploadLimits).toEqual({
      maxBytes: 1_048_576,
      allowedTypes: ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif'],
      maxPixels: 5_000_000_000,
      filenameMaxLength: 255,
      grantTtlSeconds: 120,
    });
  });
});

describe('upload grant limits', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi({ QUOTA_IMAGES: '5', QUOTA_BYTES: '100000', UPLOAD_RATE_LIMIT: '1000' });
  });

  afterAll(async () => {
    await api.stop();
  });

  async function incomingKeys(): Promise<string[]> {
    const page = await api.sidestep.storage.list('incoming/');
    return page.objects.map((object) => object.key);
  }

  describe.each(BAD_INPUTS)('refuses $name', ({ input, code, status, messageContains }) => {
    it(`with ${code} and leaves nothing behind`, async () => {
      const user = await signUp(api);
      const before = await incomingKeys();

      const result = await api.gql(REQUEST_UPLOAD, { input }, user.token);
      expect(result.status).toBe(status ?? 200);
      expect(result.data?.requestUpload ?? null).toBeNull();
      expect(result.errors?.[0].extensions?.code).toBe(code);
      if (messageContains) expect(result.errors?.[0].message).toContain(messageContains);

      const quota = await api.gql(QUOTA, {}, user.token);
      expect(quota.data!.viewer.quota).toMatchObject({ reservedBytes: 0, reservedCount: 0, usedBytes: 0, usedCount: 0 });
      const images = await api.gql(`{ images { totalCount } }`, {}, user.token);
      expect(images.data!.images.totalCount).toBe(0);
      expect(await incomingKeys()).toEqual(before);
    });
  });

  it('refuses anonymous grant requests', async () => {
    const result = await api.gql(REQUEST_UPLOAD, { input: valid });
    expect(result.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('stores any Unicode filename exactly, up to the limit', async () => {
    const user = await signUp(api);
    const filename = '🏔️ Gipfel — 山頂 ';
    const longest = '写'.repeat(255);
    for (const name of [filename, longest, '../../etc/passwd', 'a/b\\c?.jpg']) {
      const result = await api.gql(REQUEST_UPLOAD, { input: { ...valid, filename: name } }, user.token);
      expect(result.errors).toBeUndefined();
      const grant = result.data!.requestUpload;
      expect(new URL(grant.url).pathname).toMatch(/\/incoming\/[0-9a-f-]{36}$/);
      const stored = await api.gql(`query ($id: ID!) { image(id: $id) { filename } }`, { id: grant.image.id }, user.token);
      expect(stored.data!.image.filename).toBe(name);
    }
  });

  it('binds a declared SHA-256 into the signed headers', async () => {
    const user = await signUp(api);
    const sha256 = 'ab'.repeat(32);
    const result = await api.gql(REQUEST_UPLOAD, { input: { ...valid, sha256 } }, user.token);
    const grant = result.data!.requestUpload;
    const signedHeaders = new URL(grant.url).searchParams.get('X-Amz-SignedHeaders')!.split(';');
    expect(signedHeaders).toContain('x-amz-checksum-sha256');
    expect(grant.headers).toContainEqual({ name: 'x-amz-checksum-sha256', value: Buffer.from(sha256, 'hex').toString('base64') });
    // NOTE: the embedded S3 server does not verify checksums; MinIO and AWS S3 reject other bytes.
  });

  it('never lets twenty aliased grants in one operation pass the image quota', async () => {
    const user = await signUp(api);
    const fields = Array.from(
      { length: 20 },
      (_, i) => `g${i}: requestUpload(input: { filename: "f${i}.png", contentType: "image/png", byteSize: 100 }) { image { id } }`,
    );
    const result = await api.gql(`mutation { ${fields.join('\n')} }`, {}, user.token);

    // Mutation fields run one after another and are non-null, so the first rejection nulls `data`
    // and stops the rest. The quota and the image count show what was reserved.
    expect(result.data).toBeNull();
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0].extensions?.code).toBe('QUOTA_EXCEEDED');
    expect(result.errors![0].path).toEqual(['g5']);
    const images = await api.gql(`{ images(filter: { mine: true }) { totalCount } }`, {}, user.token);
    expect(images.data!.images.totalCount).toBe(5);

    const quota = await api.gql(QUOTA, {}, user.token);
    expect(quota.data!.viewer.quota).toMatchObject({ reservedCount: 5, reservedBytes: 500, limitCount: 5 });
  });

  it('never lets twenty parallel requests pass the byte quota', async () => {
    const user = await signUp(api);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api.gql(REQUEST_UPLOAD, { input: { filename: `p${i}.png`, contentType: 'image/png', byteSize: 30_000 } }, user.token),
      ),
    );
    const granted = results.filter((result) => result.data?.requestUpload);
    const refused = results.filter((result) => result.errors?.[0].extensions?.code === 'QUOTA_EXCEEDED');
    expect(granted).toHaveLength(3);
    expect(refused).toHaveLength(17);
    expect(refused[0].errors![0].message).toMatch(/needs 30000 bytes and 10000 of your 100000 bytes are free/);

    const quota = await api.gql(QUOTA, {}, user.token);
    expect(quota.data!.viewer.quota.reservedBytes).toBe(90_000);
  });
});

describe('upload grant rate limit', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi({ UPLOAD_RATE_LIMIT: '3', UPLOAD_RATE_WINDOW_SECONDS: '3600' });
  });

  afterAll(async () => {
    await api.stop();
  });

  it('answers RATE_LIMITED with when to retry', async () => {
    const user = await signUp(api);
    for (let i = 0; i < 3; i += 1) {
      const ok = await api.gql(REQUEST_UPLOAD, { input: valid }, user.token);
      expect(ok.errors).toBeUndefined();
    }
    const limited = await api.gql(REQUEST_UPLOAD, { input: valid }, user.token);
    expect(limited.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    expect(limited.errors?.[0].extensions?.retryAfterSeconds).toBeGreaterThan(0);
    expect(limited.errors?.[0].message).toMatch(/limit is 3 per 3600 s/);

    const other = await signUp(api);
    const unaffected = await api.gql(REQUEST_UPLOAD, { input: valid }, other.token);
    expect(unaffected.errors).toBeUndefined();
  });
});

describe('unexpected errors', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
    // A grant then fails inside its statement, as it would on a broken database.
    await api.sidestep.orm.em.fork().getConnection().execute('drop table rate_limits');
  });

  afterAll(async () => {
    await api.stop();
  });

  it('reach the client as INTERNAL_SERVER_ERROR with a request id and no internals', async () => {
    const user = await signUp(api);

    const result = await api.gql(REQUEST_UPLOAD, { input: valid }, user.token);
    const error = result.errors![0];
    expect(error.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(error.extensions?.requestId).toEqual(expect.any(String));
    expect(error.message).toContain(error.extensions!.requestId);
    expect(JSON.stringify(result)).not.toMatch(/rate_limits|relation|stacktrace/i);
  });

  it("carry the caller's request id", async () => {
    const user = await signUp(api);
    const response = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}`, 'x-request-id': 'trace-42.a' },
      body: JSON.stringify({ query: REQUEST_UPLOAD, variables: { input: valid } }),
    });
    const result = (await response.json()) as { errors: { extensions: Record<string, unknown> }[] };
    expect(response.headers.get('x-request-id')).toBe('trace-42.a');
    expect(result.errors[0].extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', requestId: 'trace-42.a' });
  });

  it.each([
    ['a parse error', '{ viewer { id '],
    ['a validation error', '{ noSuchField }'],
  ])('name the request id in %s', async (_name, query) => {
    const response = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'trace-43' },
      body: JSON.stringify({ query }),
    });
    const result = (await response.json()) as { errors: { extensions: Record<string, unknown> }[] };
    expect(result.errors[0].extensions.requestId).toBe('trace-43');
  });

  it('name the request id in a CSRF refusal', async () => {
    const response = await fetch(`${api.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'x-request-id': 'trace-45' } });
    const result = (await response.json()) as { errors: { extensions: Record<string, unknown> }[] };
    expect(response.status).toBe(400);
    expect(result.errors[0].extensions.requestId).toBe('trace-45');
  });
});

describe('failed session lookups', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
    // Every lookup of a session token that is not cached then fails, before any resolver runs.
    await api.sidestep.orm.em.fork().getConnection().execute('drop table sessions cascade');
  });

  afterAll(async () => {
    await api.stop();
  });

  it('name the request id', async () => {
    const response = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sst_not-cached', 'x-request-id': 'trace-44' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    const result = (await response.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
    expect(result.errors[0].extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', requestId: 'trace-44' });
    expect(result.errors[0].message).toContain('trace-44');
  });
});

describe('response headers', () => {
  let api: TestApi;
  let clientDir: string;

  beforeAll(async () => {
    clientDir = mkdtempSync(path.join(os.tmpdir(), 'sidestep-client-'));
    writeFileSync(path.join(clientDir, 'index.html'), '<!doctype html><title>Sidestep</title>');
    api = await startTestApi({ CLIENT_DIR: clientDir });
  });

  afterAll(async () => {
    await api.stop();
    rmSync(clientDir, { recursive: true, force: true });
  });

  it('mark GraphQL responses no-store', async () => {
    const response = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('etag')).toBeNull();
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keep the fallback page ETag', async () => {
    const response = await fetch(`${api.url}/gallery`);
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toMatch(/^W\/".+"$/);
  });
});

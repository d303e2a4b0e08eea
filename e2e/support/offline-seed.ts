import { randomBytes } from 'node:crypto';
import sharp from 'sharp';

/** Password of every account that the offline tests create. */
const PASSWORD = 'correct horse battery staple';

/** Images that finish uploading at the same time, so 24 images take about a second on loopback. */
const SEED_PARALLELISM = 6;

export interface SeedAccount {
  id: string;
  email: string;
  password: string;
  displayName: string;
  token: string;
}

export interface SeededImage {
  id: string;
  filename: string;
  width: number;
  height: number;
}

interface GraphQLResponse<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** Sends one GraphQL operation to the product, as a third-party client would, and returns its data. */
export async function graphql<T>(
  appOrigin: string,
  query: string,
  variables: Record<string, unknown>,
  token?: string,
): Promise<T> {
  const response = await fetch(`${appOrigin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphQLResponse<T>;
  if (!body.data || body.errors?.length) {
    throw new Error(`GraphQL request failed with status ${response.status}: ${JSON.stringify(body.errors)}`);
  }
  return body.data;
}

/** Creates an account through the API. Its email address is unique per call. */
export async function createAccount(appOrigin: string, displayName: string): Promise<SeedAccount> {
  const email = `${displayName.toLowerCase()}-${randomBytes(4).toString('hex')}@example.test`;
  const data = await graphql<{ signUp: { token: string; user: { id: string } } }>(
    appOrigin,
    'mutation ($input: SignUpInput!) { signUp(input: $input) { token user { id } } }',
    { input: { email, password: PASSWORD, displayName } },
  );
  return { id: data.signUp.user.id, email, password: PASSWORD, displayName, token: data.signUp.token };
}

export interface UploadGrant {
  image: { id: string };
  url: string;
  method: string;
  headers: { name: string; value: string }[];
  expiresAt: string;
}

/** Requests a grant for a private image, which skips moderation once confirmed. */
export async function requestGrant(
  appOrigin: string,
  token: string,
  file: { filename: string; contentType: string; byteSize: number },
): Promise<UploadGrant> {
  const data = await graphql<{ requestUpload: UploadGrant }>(
    appOrigin,
    `mutation ($input: RequestUploadInput!) {
      requestUpload(input: $input) { image { id } url method headers { name value } expiresAt }
    }`,
    { input: { ...file, visibility: 'PRIVATE' } },
    token,
  );
  return data.requestUpload;
}

/**
 * Builds a small image of `width`×`height` in a colour derived from `index`, so that every
 * seeded file has other bytes. Even indexes give PNG, odd ones JPEG.
 */
export async function seedImageBytes(index: number, width: number, height: number): Promise<{ bytes: Buffer; contentType: string }> {
  const background = { r: (index * 53) % 256, g: (index * 97) % 256, b: (index * 151) % 256 };
  const image = sharp({ create: { width, height, channels: 3, background } });
  if (index % 2 === 0) {
    return { bytes: await image.png().toBuffer(), contentType: 'image/png' };
  }
  return { bytes: await image.jpeg({ quality: 80 }).toBuffer(), contentType: 'image/jpeg' };
}

/**
 * Uploads `count` small images for the account the way a browser does (grant, PUT to storage,
 * confirm), and returns them in upload order. Names start with `prefix`. Image `index` is
 * (40 + index)×(30 + index) pixels, and indexes start at `firstIndex`.
 */
export async function seedImages(
  appOrigin: string,
  account: SeedAccount,
  count: number,
  prefix: string,
  firstIndex = 0,
): Promise<SeededImage[]> {
  const images: SeededImage[] = [];
  for (let start = firstIndex; start < firstIndex + count; start += SEED_PARALLELISM) {
    const indexes = Array.from({ length: Math.min(SEED_PARALLELISM, firstIndex + count - start) }, (_, offset) => start + offset);
    images.push(...(await Promise.all(indexes.map((index) => seedImage(appOrigin, account, index, prefix)))));
  }
  return images;
}

async function seedImage(appOrigin: string, account: SeedAccount, index: number, prefix: string): Promise<SeededImage> {
  const width = 40 + index;
  const height = 30 + index;
  const { bytes, contentType } = await seedImageBytes(index, width, height);
  const extension = contentType === 'image/png' ? 'png' : 'jpg';
  const filename = `${prefix}-${String(index + 1).padStart(2, '0')}.${extension}`;

  const grant = await requestGrant(appOrigin, account.token, { filename, contentType, byteSize: bytes.length });
  const headers = Object.fromEntries(grant.headers.map((header) => [header.name, header.value]));
  const put = await fetch(grant.url, { method: grant.method, headers, body: bytes });
  if (!put.ok) {
    throw new Error(`PUT of ${filename} to storage failed with status ${put.status}: ${await put.text()}`);
  }

  const data = await graphql<{ confirmUpload: { id: string; status: string } }>(
    appOrigin,
    'mutation ($id: ID!) { confirmUpload(id: $id) { id status } }',
    { id: grant.image.id },
    account.token,
  );
  if (data.confirmUpload.status !== 'APPROVED') {
    throw new Error(`${filename} was confirmed as ${data.confirmUpload.status}, expected APPROVED.`);
  }
  return { id: grant.image.id, filename, width, height };
}

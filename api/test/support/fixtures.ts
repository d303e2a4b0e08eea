import { createHash, randomBytes } from 'node:crypto';
import sharp from 'sharp';
import type { TestApi } from './test-api';

/**
 * Builds a photo-like JPEG: a noisy gradient (so it compresses like a photo,
 * not like a flat colour) with camera EXIF tags that push the frame header
 * past the first kilobytes, as real camera files do.
 */
export async function cameraJpeg(width: number, height: number, quality = 90): Promise<Buffer> {
  const channels = 3;
  const pixels = Buffer.alloc(width * height * channels);
  const noise = randomBytes(width * height);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const i = (y * width + x) * channels;
      const n = noise[y * width + x] % 48;
      pixels[i] = ((x * 255) / width + n) & 0xff;
      pixels[i + 1] = ((y * 255) / height + n) & 0xff;
      pixels[i + 2] = (((x + y) * 128) / (width + height) + n) & 0xff;
    }
  }
  return sharp(pixels, { raw: { width, height, channels } })
    .jpeg({ quality })
    .withExif({
      IFD0: { Make: 'Sidestep Test Camera', Model: 'ST-1', Software: 'sharp', ImageDescription: 'x'.repeat(20_000) },
    })
    .toBuffer();
}

export async function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: { r: 30, g: 120, b: 200, alpha: 0.8 } } }).png().toBuffer();
}

export const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

let counter = 0;

/** Signs up a fresh user and returns the bearer token and id. */
export async function signUp(api: TestApi, name = 'user'): Promise<{ token: string; id: string; email: string }> {
  counter += 1;
  const email = `${name}-${counter}-${randomBytes(3).toString('hex')}@example.test`;
  const result = await api.gql<{ signUp: { token: string; user: { id: string } } }>(
    `mutation ($input: SignUpInput!) { signUp(input: $input) { token user { id } } }`,
    { input: { email, password: 'correct horse battery', displayName: name } },
  );
  if (!result.data) throw new Error(`signUp failed: ${JSON.stringify(result.errors)}`);
  return { token: result.data.signUp.token, id: result.data.signUp.user.id, email };
}

export interface Grant {
  image: { id: string; status: string };
  url: string;
  method: string;
  headers: { name: string; value: string }[];
  expiresAt: string;
}

export const REQUEST_UPLOAD = `
  mutation ($input: RequestUploadInput!) {
    requestUpload(input: $input) { image { id status } url method headers { name value } expiresAt }
  }`;

export const CONFIRM_UPLOAD = `
  mutation ($id: ID!) {
    confirmUpload(id: $id) { id status contentType byteSize width height rejectionReason url urlExpiresAt }
  }`;

export async function requestGrant(api: TestApi, token: string, input: Record<string, unknown>): Promise<Grant> {
  const result = await api.gql<{ requestUpload: Grant }>(REQUEST_UPLOAD, { input }, token);
  if (!result.data) throw new Error(`requestUpload failed: ${JSON.stringify(result.errors)}`);
  return result.data.requestUpload;
}

/** Uploads straight to storage with the grant, as a browser would. */
export async function putToStorage(grant: Grant, body: Buffer): Promise<Response> {
  const headers = Object.fromEntries(grant.headers.map((header) => [header.name, header.value]));
  return fetch(grant.url, { method: grant.method, headers, body });
}

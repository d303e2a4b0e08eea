import { randomBytes } from 'node:crypto';
import { type HttpClient, dataOf } from './http-client';

export const SIGN_UP = `mutation ($input: SignUpInput!) { signUp(input: $input) { token user { id } } }`;

export const REQUEST_UPLOAD = `
  mutation ($input: RequestUploadInput!) {
    requestUpload(input: $input) { image { id } url method headers { name value } }
  }`;

export const CONFIRM_UPLOAD = `mutation ($id: ID!) { confirmUpload(id: $id) { id status byteSize } }`;

interface Grant {
  image: { id: string };
  url: string;
  method: string;
  headers: { name: string; value: string }[];
}

/** Signs up a new user and returns its bearer token. */
export async function signUp(api: HttpClient, name: string): Promise<string> {
  return (await signUpUser(api, name)).token;
}

/** Signs up a new user and returns its bearer token and id. */
export async function signUpUser(api: HttpClient, name: string): Promise<{ token: string; id: string }> {
  const email = `${name}-${randomBytes(4).toString('hex')}@bench.test`;
  const result = await api.gql<{ signUp: { token: string; user: { id: string } } }>(SIGN_UP, {
    input: { email, password: 'correct horse battery', displayName: name },
  });
  const { token, user } = dataOf(result, 'signUp').signUp;
  return { token, id: user.id };
}

export async function requestUpload(
  api: HttpClient,
  token: string,
  photo: Buffer,
  filename = 'photo.jpg',
  contentType = 'image/jpeg',
): Promise<Grant> {
  const result = await api.gql<{ requestUpload: Grant }>(
    REQUEST_UPLOAD,
    { input: { filename, contentType, byteSize: photo.length } },
    token,
  );
  return dataOf(result, 'requestUpload').requestUpload;
}

/** PUTs the photo straight to storage with the grant, as the PWA does. */
export async function putWithGrant(storage: HttpClient, grant: Grant, photo: Buffer): Promise<void> {
  const headers = Object.fromEntries(grant.headers.map((header) => [header.name, header.value]));
  headers['content-length'] = String(photo.length);
  const response = await storage.request(grant.method, grant.url, headers, photo);
  if (response.status !== 200) throw new Error(`The direct PUT to storage failed with status ${response.status}: ${response.body.toString().slice(0, 300)}`);
}

export async function confirmUpload(api: HttpClient, token: string, imageId: string): Promise<string> {
  const result = await api.gql<{ confirmUpload: { status: string } }>(CONFIRM_UPLOAD, { id: imageId }, token);
  return dataOf(result, 'confirmUpload').confirmUpload.status;
}

/** Sidestep's flow: grant over GraphQL, PUT straight to storage, confirm over GraphQL. */
export async function uploadThroughSidestep(api: HttpClient, storage: HttpClient, token: string, photo: Buffer): Promise<string> {
  const grant = await requestUpload(api, token, photo);
  await putWithGrant(storage, grant, photo);
  await confirmUpload(api, token, grant.image.id);
  return grant.image.id;
}

/** Uploads through the proxy baseline: the photo goes to the API, which streams it to storage. */
export async function uploadThroughProxy(api: HttpClient, token: string, photo: Buffer): Promise<void> {
  const response = await api.request(
    'PUT',
    '/bench/proxy-upload',
    { authorization: `Bearer ${token}`, 'content-type': 'image/jpeg', 'content-length': String(photo.length) },
    photo,
  );
  if (response.status !== 201) throw new Error(`The proxy upload failed with status ${response.status}: ${response.body.toString().slice(0, 300)}`);
}

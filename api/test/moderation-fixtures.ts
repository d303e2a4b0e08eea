import { CONFIRM_UPLOAD, png, putToStorage, requestGrant, signUp } from './support/fixtures';
import type { TestApi } from './support/test-api';

/** Environment that makes sure an admin account exists at start, and keeps cron jobs from changing rows mid-test. */
export const MODERATION_ENV = {
  ADMIN_EMAIL: 'admin@example.test',
  ADMIN_PASSWORD: 'admin password for tests',
  JOBS_ENABLED: 'false',
};

export interface TestUser {
  token: string;
  id: string;
  email: string;
}

export async function signInAdmin(api: TestApi): Promise<TestUser> {
  const result = await api.gql<{ signIn: { token: string; user: { id: string } } }>(
    `mutation ($input: SignInInput!) { signIn(input: $input) { token user { id } } }`,
    { input: { email: MODERATION_ENV.ADMIN_EMAIL, password: MODERATION_ENV.ADMIN_PASSWORD } },
  );
  if (!result.data) throw new Error(`signIn as admin failed: ${JSON.stringify(result.errors)}`);
  return { token: result.data.signIn.token, id: result.data.signIn.user.id, email: MODERATION_ENV.ADMIN_EMAIL };
}

export const CHANGE_USER_ROLE = `
  mutation ($input: ChangeUserRoleInput!) { changeUserRole(input: $input) { id role permissions } }`;

/** Signs up a user and, signed in as the admin, gives them `role`. */
export async function signUpWithRole(api: TestApi, admin: TestUser, role: 'USER' | 'MODERATOR' | 'ADMIN', name: string): Promise<TestUser> {
  const user = await signUp(api, name);
  if (role !== 'USER') {
    const changed = await api.gql(CHANGE_USER_ROLE, { input: { userId: user.id, role } }, admin.token);
    if (changed.data?.changeUserRole?.role !== role) throw new Error(`changeUserRole failed: ${JSON.stringify(changed.errors)}`);
  }
  return user;
}

export interface UploadOptions {
  visibility?: 'PUBLIC' | 'PRIVATE';
  purpose?: 'GALLERY' | 'PROCESSING';
  filename?: string;
}

/** Uploads a small PNG through a grant and confirms it; returns the confirmed image. */
export async function uploadImage(
  api: TestApi,
  token: string,
  options: UploadOptions = {},
): Promise<{ id: string; status: string; rejectionReason: string | null; url: string | null }> {
  const bytes = await png(12, 9);
  const grant = await requestGrant(api, token, {
    filename: options.filename ?? 'picture.png',
    contentType: 'image/png',
    byteSize: bytes.length,
    visibility: options.visibility ?? 'PUBLIC',
    purpose: options.purpose ?? 'GALLERY',
  });
  const put = await putToStorage(grant, bytes);
  if (put.status !== 200) throw new Error(`PUT to storage answered ${put.status}`);
  const confirmed = await api.gql(CONFIRM_UPLOAD, { id: grant.image.id }, token);
  if (!confirmed.data) throw new Error(`confirmUpload failed: ${JSON.stringify(confirmed.errors)}`);
  return confirmed.data.confirmUpload;
}

/** Runs SQL on the test database, for states the API cannot reach on its own or for time passing. */
export async function sql<T = Record<string, unknown>>(api: TestApi, query: string, params: unknown[] = []): Promise<T[]> {
  return api.sidestep.orm.em.fork().getConnection().execute(query, params);
}

export async function setModeratorsSeePrivate(api: TestApi, admin: TestUser, value: boolean): Promise<void> {
  const result = await api.gql(
    `mutation ($input: UpdateModerationSettingsInput!) { updateModerationSettings(input: $input) { moderatorsSeePrivateImages } }`,
    { input: { moderatorsSeePrivateImages: value } },
    admin.token,
  );
  if (result.data?.updateModerationSettings?.moderatorsSeePrivateImages !== value) {
    throw new Error(`updateModerationSettings failed: ${JSON.stringify(result.errors)}`);
  }
}

export const errorCode = (result: { errors?: { extensions?: Record<string, any> }[] }) => result.errors?.[0]?.extensions?.code;

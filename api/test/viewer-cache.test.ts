import { LISTENER_APPLICATION_NAME, VIEWER_CHANNEL } from '../src/modules/auth/viewer-cache';
import { createApiToken, REVOKE_API_TOKEN } from './support/api-tokens';
import { ADMIN_ENV, sharedEnv, signInAdmin, startApiProcess, TestDatabase, waitFor, type ApiProcess } from './support/cleanup-support';
import { signUp } from './support/fixtures';
import { startTestApi, type TestApi } from './support/test-api';

const QUEUE = '{ moderationQueue(first: 1) { totalCount } }';
const VIEWER = '{ viewer { id } }';
const SIGN_OUT = 'mutation { signOut }';
const CHANGE_ROLE = 'mutation ($input: ChangeUserRoleInput!) { changeUserRole(input: $input) { id role } }';

interface Answer {
  status: number;
  body: { data?: Record<string, any> | null; errors?: { extensions?: Record<string, unknown> }[] };
}

/** Sends a GraphQL request to the API process on `port`. */
async function gqlAt(port: number, query: string, token: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

const codeOf = (answer: Answer) => answer.body.errors?.[0]?.extensions?.code;

/**
 * Two API processes on one database, each with its cache of bearer token
 * lookups: a change made through one must reach the other at once.
 */
describe('viewer cache across processes', () => {
  let api: TestApi;
  let other: ApiProcess;
  let db: TestDatabase;
  let adminToken: string;
  let apiPort: number;

  beforeAll(async () => {
    api = await startTestApi({ ...ADMIN_ENV });
    apiPort = Number(new URL(api.url).port);
    other = await startApiProcess({ ...sharedEnv(api), JOBS_ENABLED: 'false' });
    db = new TestDatabase(api.sidestep.config.databaseUrl!);
    adminToken = await signInAdmin(api);
  });

  afterAll(async () => {
    await db.close();
    await other.stop();
    await api.stop();
  });

  it('keeps a viewer until a change is announced', async () => {
    const user = await signUp(api, 'cached');
    expect(codeOf(await gqlAt(apiPort, QUEUE, user.token))).toBe('FORBIDDEN');

    // With the trigger off, a change in the database sends no notification, so the cached viewer stays.
    await db.query('alter table users disable trigger users_notify_viewer_change');
    try {
      await db.query(`update users set role = 'MODERATOR' where id = $1`, [user.id]);
    } finally {
      await db.query('alter table users enable trigger users_notify_viewer_change');
    }
    expect(codeOf(await gqlAt(apiPort, QUEUE, user.token))).toBe('FORBIDDEN');

    await db.query('select pg_notify($1, $2)', [VIEWER_CHANNEL, user.id]);
    const allowed = await waitFor(() => gqlAt(apiPort, QUEUE, user.token), (answer) => codeOf(answer) === undefined, 'the notification', 5000);
    expect(allowed.body.data?.moderationQueue.totalCount).toBeGreaterThanOrEqual(0);
  });

  it('signing out reaches the other process', async () => {
    const user = await signUp(api, 'leaver');
    expect((await gqlAt(other.port, VIEWER, user.token)).body.data?.viewer.id).toBe(user.id);

    expect((await gqlAt(apiPort, SIGN_OUT, user.token)).body.data?.signOut).toBe(true);
    expect((await gqlAt(apiPort, VIEWER, user.token)).body.data?.viewer).toBeNull();
    const signedOut = await waitFor(() => gqlAt(other.port, VIEWER, user.token), (answer) => answer.body.data?.viewer === null, 'the sign-out', 5000);
    expect(signedOut.body.data?.viewer).toBeNull();
  });

  it('a role change reaches the other process', async () => {
    const user = await signUp(api, 'promoted');
    expect(codeOf(await gqlAt(other.port, QUEUE, user.token))).toBe('FORBIDDEN');

    const changed = await gqlAt(apiPort, CHANGE_ROLE, adminToken, { input: { userId: user.id, role: 'MODERATOR' } });
    expect(changed.body.data?.changeUserRole.role).toBe('MODERATOR');
    expect(codeOf(await gqlAt(apiPort, QUEUE, user.token))).toBeUndefined();
    await waitFor(() => gqlAt(other.port, QUEUE, user.token), (answer) => codeOf(answer) === undefined, 'the role change', 5000);
  });

  it('a change in the database reaches both processes', async () => {
    const user = await signUp(api, 'edited');
    expect(codeOf(await gqlAt(apiPort, QUEUE, user.token))).toBe('FORBIDDEN');
    expect(codeOf(await gqlAt(other.port, QUEUE, user.token))).toBe('FORBIDDEN');

    await db.query(`update users set role = 'MODERATOR' where id = $1`, [user.id]);
    await waitFor(() => gqlAt(apiPort, QUEUE, user.token), (answer) => codeOf(answer) === undefined, 'this process to hear the trigger', 5000);
    await waitFor(() => gqlAt(other.port, QUEUE, user.token), (answer) => codeOf(answer) === undefined, 'the other process to hear the trigger', 5000);

    // Deleted rows are announced too.
    await db.query('delete from sessions where user_id = $1', [user.id]);
    await waitFor(() => gqlAt(other.port, VIEWER, user.token), (answer) => answer.body.data?.viewer === null, 'the deleted session', 5000);
  });

  it('revoking an API token reaches the other process', async () => {
    const user = await signUp(api, 'revoker');
    const created = await createApiToken(api, user.token, ['IMAGES_READ']);
    expect((await gqlAt(other.port, VIEWER, created.secret)).body.data?.viewer.id).toBe(user.id);

    const revoked = await api.gql(REVOKE_API_TOKEN, { id: created.token.id }, user.token);
    expect(revoked.errors).toBeUndefined();
    expect((await gqlAt(apiPort, VIEWER, created.secret)).status).toBe(401);
    const rejected = await waitFor(() => gqlAt(other.port, VIEWER, created.secret), (answer) => answer.status === 401, 'the revocation', 5000);
    expect(codeOf(rejected)).toBe('UNAUTHENTICATED');
  });

  it('bypasses the cache without a listener', async () => {
    const user = await signUp(api, 'unheard');
    expect(codeOf(await gqlAt(apiPort, QUEUE, user.token))).toBe('FORBIDDEN');
    const listeners = async () =>
      (await db.query<{ count: number }>(`select count(*)::int as count from pg_stat_activity where application_name = $1 and datname = current_database()`, [LISTENER_APPLICATION_NAME]))[0].count;
    expect(await listeners()).toBe(2);

    // Without its listener a process could miss a change, so it must not serve cached viewers.
    await db.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and datname = current_database()`, [LISTENER_APPLICATION_NAME]);
    await db.query(`update users set role = 'MODERATOR' where id = $1`, [user.id]);
    await waitFor(() => gqlAt(apiPort, QUEUE, user.token), (answer) => codeOf(answer) === undefined, 'the lookup in the database', 2000);

    await waitFor(listeners, (count) => count === 2, 'both processes to listen again', 10_000);
    // The trigger announces this change, and the reconnected listeners hear it.
    await db.query(`update users set role = 'USER' where id = $1`, [user.id]);
    await waitFor(() => gqlAt(apiPort, QUEUE, user.token), (answer) => codeOf(answer) === 'FORBIDDEN', 'the notification after reconnecting', 5000);
  });
});

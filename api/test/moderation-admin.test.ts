import { Permission, ROLE_PERMISSIONS, Role } from '../src/modules/auth/roles';
import { CLIENT_PERMISSIONS } from '../../client/src/app/admin/permissions';
import { png, requestGrant, REQUEST_UPLOAD, signUp } from './support/fixtures';
import { startTestApi, type TestApi } from './support/test-api';
import { CHANGE_USER_ROLE, MODERATION_ENV, errorCode, signInAdmin, type TestUser } from './moderation-fixtures';

const VIEWER = `{ viewer { id role permissions } }`;
const USERS = `
  query ($first: Int, $after: String, $search: String) {
    users(first: $first, after: $after, search: $search) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id email displayName role permissions quota { limitBytes limitCount usedBytes usedCount } } }
    }
  }`;
const CHANGE_QUOTA = `
  mutation ($input: ChangeUserQuotaInput!) { changeUserQuota(input: $input) { id quota { limitBytes limitCount } } }`;
const SETTINGS = `{ moderationSettings { moderatorsSeePrivateImages updatedAt } }`;
const UPDATE_SETTINGS = `
  mutation ($input: UpdateModerationSettingsInput!) { updateModerationSettings(input: $input) { moderatorsSeePrivateImages updatedAt } }`;
const AUDIT_LOG = `
  query ($filter: AuditLogFilter) {
    auditLog(first: 20, filter: $filter) { edges { node { action actorEmail targetType targetId previousValue newValue } } }
  }`;

describe('admin: roles, quotas and settings', () => {
  let api: TestApi;
  let admin: TestUser;

  beforeAll(async () => {
    api = await startTestApi(MODERATION_ENV);
    admin = await signInAdmin(api);
  });

  afterAll(async () => {
    await api.stop();
  });

  it('shares one list of permissions between the API and the admin screens', () => {
    expect(Object.values(CLIENT_PERMISSIONS).sort()).toEqual(Object.values(Permission).sort());
  });

  it('tells each viewer their permissions', async () => {
    const user = await signUp(api, 'plain');
    const own = await api.gql(VIEWER, {}, user.token);
    expect(own.data!.viewer).toEqual({ id: user.id, role: 'USER', permissions: ['images:upload'] });
    const adminView = await api.gql(VIEWER, {}, admin.token);
    expect(adminView.data!.viewer.permissions).toEqual([...ROLE_PERMISSIONS[Role.ADMIN]]);

    const roles = await api.gql(`{ roles { role permissions } }`);
    expect(roles.data!.roles).toEqual(Object.values(Role).map((role) => ({ role, permissions: [...ROLE_PERMISSIONS[role]] })));
  });

  it('promotes a user, which applies to their next request', async () => {
    const user = await signUp(api, 'future-moderator');
    expect(errorCode(await api.gql(`{ moderationQueue { totalCount } }`, {}, user.token))).toBe('FORBIDDEN');

    const changed = await api.gql(CHANGE_USER_ROLE, { input: { userId: user.id, role: 'MODERATOR' } }, admin.token);
    expect(changed.data!.changeUserRole).toEqual({ id: user.id, role: 'MODERATOR', permissions: ['images:upload', 'images:moderate'] });
    expect((await api.gql(`{ moderationQueue { totalCount } }`, {}, user.token)).errors).toBeUndefined();
    expect((await api.gql(VIEWER, {}, user.token)).data!.viewer.permissions).toEqual(['images:upload', 'images:moderate']);

    await api.gql(CHANGE_USER_ROLE, { input: { userId: user.id, role: 'USER' } }, admin.token);
    expect(errorCode(await api.gql(`{ moderationQueue { totalCount } }`, {}, user.token))).toBe('FORBIDDEN');

    const entries = await api.gql(AUDIT_LOG, { filter: { targetType: 'USER', targetId: user.id } }, admin.token);
    expect(entries.data!.auditLog.edges.map((edge: any) => edge.node)).toEqual([
      { action: 'USER_ROLE_CHANGED', actorEmail: admin.email, targetType: 'USER', targetId: user.id, previousValue: 'MODERATOR', newValue: 'USER' },
      { action: 'USER_ROLE_CHANGED', actorEmail: admin.email, targetType: 'USER', targetId: user.id, previousValue: 'USER', newValue: 'MODERATOR' },
    ]);
  });

  it('keeps admins from changing their own role', async () => {
    const result = await api.gql(CHANGE_USER_ROLE, { input: { userId: admin.id, role: 'USER' } }, admin.token);
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect((await api.gql(VIEWER, {}, admin.token)).data!.viewer.role).toBe('ADMIN');
  });

  it('lets only admins change roles and quotas', async () => {
    const user = await signUp(api, 'ambitious');
    const moderator = await signUp(api, 'moderator');
    await api.gql(CHANGE_USER_ROLE, { input: { userId: moderator.id, role: 'MODERATOR' } }, admin.token);

    for (const token of [user.token, moderator.token]) {
      expect(errorCode(await api.gql(CHANGE_USER_ROLE, { input: { userId: user.id, role: 'ADMIN' } }, token))).toBe('FORBIDDEN');
      expect(errorCode(await api.gql(CHANGE_QUOTA, { input: { userId: user.id, limitBytes: 1, limitCount: 1 } }, token))).toBe('FORBIDDEN');
      expect(errorCode(await api.gql(USERS, {}, token))).toBe('FORBIDDEN');
    }
    expect(errorCode(await api.gql(USERS, {}))).toBe('UNAUTHENTICATED');
    const missing = await api.gql(CHANGE_USER_ROLE, { input: { userId: '00000000-0000-4000-8000-000000000000', role: 'ADMIN' } }, admin.token);
    expect(errorCode(missing)).toBe('NOT_FOUND');
  });

  it('changes a quota, which the next upload grant enforces', async () => {
    const user = await signUp(api, 'limited');
    const bytes = await png(10, 10);
    const changed = await api.gql(CHANGE_QUOTA, { input: { userId: user.id, limitBytes: bytes.length, limitCount: 1 } }, admin.token);
    expect(changed.data!.changeUserQuota.quota).toEqual({ limitBytes: bytes.length, limitCount: 1 });

    await requestGrant(api, user.token, { filename: 'one.png', contentType: 'image/png', byteSize: bytes.length });
    const second = await api.gql(REQUEST_UPLOAD, { input: { filename: 'two.png', contentType: 'image/png', byteSize: 1 } }, user.token);
    expect(errorCode(second)).toBe('QUOTA_EXCEEDED');

    const entries = await api.gql(AUDIT_LOG, { filter: { action: 'USER_QUOTA_CHANGED', targetId: user.id } }, admin.token);
    expect(entries.data!.auditLog.edges[0].node).toMatchObject({
      previousValue: '1073741824 bytes, 1000 images',
      newValue: `${bytes.length} bytes, 1 images`,
    });
  });

  it('rejects invalid quotas', async () => {
    const user = await signUp(api, 'quota');
    for (const input of [
      { limitBytes: -1, limitCount: 1 },
      { limitBytes: 1.5, limitCount: 1 },
      { limitBytes: 1, limitCount: -1 },
    ]) {
      const result = await api.gql(CHANGE_QUOTA, { input: { userId: user.id, ...input } }, admin.token);
      expect({ input, code: errorCode(result) }).toEqual({ input, code: 'BAD_USER_INPUT' });
    }
  });

  it('lists and searches users page by page', async () => {
    const marker = `findme${Date.now()}`;
    const created = [await signUp(api, `${marker}-a`), await signUp(api, `${marker}-b`), await signUp(api, `${marker}-c`)];

    const found: any[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = await api.gql(USERS, { first: 2, after, search: marker.toUpperCase() }, admin.token);
      expect(page.errors).toBeUndefined();
      expect(page.data.users.totalCount).toBe(3);
      found.push(...page.data.users.edges.map((edge: any) => edge.node));
      if (!page.data.users.pageInfo.hasNextPage) break;
      after = page.data.users.pageInfo.endCursor;
    }
    expect(found.map((user) => user.id)).toEqual(created.map((user) => user.id).reverse());
    expect(found[0]).toMatchObject({ email: created[2].email, role: 'USER', permissions: ['images:upload'] });
    expect(found[0].quota).toEqual({ limitBytes: 1024 ** 3, limitCount: 1000, usedBytes: 0, usedCount: 0 });

    // LIKE wildcards in the search match themselves.
    const wildcard = await api.gql(USERS, { search: '%' }, admin.token);
    expect(wildcard.data!.users.totalCount).toBe(0);
  });

  it('keeps private images from moderators until an admin allows it', async () => {
    const moderator = await signUp(api, 'settings-moderator');
    await api.gql(CHANGE_USER_ROLE, { input: { userId: moderator.id, role: 'MODERATOR' } }, admin.token);

    expect((await api.gql(SETTINGS, {}, moderator.token)).data!.moderationSettings).toEqual({
      moderatorsSeePrivateImages: false,
      updatedAt: null,
    });
    expect(errorCode(await api.gql(UPDATE_SETTINGS, { input: { moderatorsSeePrivateImages: true } }, moderator.token))).toBe('FORBIDDEN');
    expect(errorCode(await api.gql(SETTINGS, {}, (await signUp(api, 'nosy')).token))).toBe('FORBIDDEN');

    const updated = await api.gql(UPDATE_SETTINGS, { input: { moderatorsSeePrivateImages: true } }, admin.token);
    expect(updated.data!.updateModerationSettings.moderatorsSeePrivateImages).toBe(true);
    expect(updated.data!.updateModerationSettings.updatedAt).toEqual(expect.any(String));
    expect((await api.gql(SETTINGS, {}, moderator.token)).data!.moderationSettings.moderatorsSeePrivateImages).toBe(true);

    await api.gql(UPDATE_SETTINGS, { input: { moderatorsSeePrivateImages: false } }, admin.token);
    const entries = await api.gql(AUDIT_LOG, { filter: { action: 'SETTING_CHANGED' } }, admin.token);
    expect(entries.data!.auditLog.edges.map((edge: any) => [edge.node.previousValue, edge.node.newValue])).toEqual([
      ['true', 'false'],
      ['false', 'true'],
    ]);
  });
});

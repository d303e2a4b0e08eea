import { signUp } from './support/fixtures';
import { startTestApi, type TestApi } from './support/test-api';
import { MODERATION_ENV, errorCode, signInAdmin, signUpWithRole, uploadImage, type TestUser } from './moderation-fixtures';

const IMAGE = `query ($id: ID!) { image(id: $id) { id status rejectionReason url } }`;
const APPROVE = `mutation ($id: ID!) { approveImage(id: $id) { id status rejectionReason } }`;
const REJECT = `mutation ($id: ID!, $reason: String!) { rejectImage(id: $id, reason: $reason) { id status rejectionReason } }`;
const APPROVE_MANY = `
  mutation ($ids: [ID!]!) { approveImages(ids: $ids) { images { id status } skipped { id code message } } }`;
const REJECT_MANY = `
  mutation ($ids: [ID!]!, $reason: String!) {
    rejectImages(ids: $ids, reason: $reason) { images { id status rejectionReason } skipped { id code message } }
  }`;
const AUDIT_LOG = `
  query ($first: Int, $after: String, $filter: AuditLogFilter) {
    auditLog(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        cursor
        node {
          id createdAt action automated actorEmail classifier targetType targetId reason previousValue newValue
          actor { id }
          automatedResult { classifier decision labels score }
        }
      }
    }
  }`;

describe('moderation decisions and the audit log', () => {
  let api: TestApi;
  let admin: TestUser;
  let owner: TestUser;
  let viewer: TestUser;
  let moderator: TestUser;
  let otherModerator: TestUser;

  beforeAll(async () => {
    api = await startTestApi(MODERATION_ENV);
    admin = await signInAdmin(api);
    owner = await signUp(api, 'owner');
    viewer = await signUp(api, 'viewer');
    moderator = await signUpWithRole(api, admin, 'MODERATOR', 'moderator');
    otherModerator = await signUpWithRole(api, admin, 'MODERATOR', 'other-moderator');
  });

  afterAll(async () => {
    await api.stop();
  });

  async function auditEntriesFor(imageId: string) {
    const result = await api.gql(AUDIT_LOG, { first: 100, filter: { targetType: 'IMAGE', targetId: imageId } }, admin.token);
    expect(result.errors).toBeUndefined();
    return result.data!.auditLog.edges.map((edge: any) => edge.node);
  }

  it('keeps a public upload from other users until a moderator approves it', async () => {
    const image = await uploadImage(api, owner.token);
    expect(image.status).toBe('IN_REVIEW');
    expect((await api.gql(IMAGE, { id: image.id }, viewer.token)).data!.image).toBeNull();
    expect((await api.gql(IMAGE, { id: image.id }, owner.token)).data!.image.status).toBe('IN_REVIEW');

    const approved = await api.gql(APPROVE, { id: image.id }, moderator.token);
    expect(approved.errors).toBeUndefined();
    expect(approved.data!.approveImage).toEqual({ id: image.id, status: 'APPROVED', rejectionReason: null });

    const seen = await api.gql(IMAGE, { id: image.id }, viewer.token);
    expect(seen.data!.image).toMatchObject({ id: image.id, status: 'APPROVED' });
    expect(seen.data!.image.url).toEqual(expect.any(String));
    expect((await fetch(seen.data!.image.url)).status).toBe(200);
  });

  it('shows the owner the status and reason of a rejection', async () => {
    const image = await uploadImage(api, owner.token);
    const rejected = await api.gql(REJECT, { id: image.id, reason: '  Shows a person without consent.  ' }, moderator.token);
    expect(rejected.data!.rejectImage).toEqual({ id: image.id, status: 'REJECTED', rejectionReason: 'Shows a person without consent.' });

    const ownView = await api.gql(IMAGE, { id: image.id }, owner.token);
    expect(ownView.data!.image).toMatchObject({ status: 'REJECTED', rejectionReason: 'Shows a person without consent.' });
    expect((await api.gql(IMAGE, { id: image.id }, viewer.token)).data!.image).toBeNull();
  });

  it('requires a rejection reason of bounded length', async () => {
    const image = await uploadImage(api, owner.token);
    for (const reason of ['', '   ', 'x'.repeat(501)]) {
      const result = await api.gql(REJECT, { id: image.id, reason }, moderator.token);
      expect({ reason: reason.length, code: errorCode(result) }).toEqual({ reason: reason.length, code: 'BAD_USER_INPUT' });
    }
    const bulk = await api.gql(REJECT_MANY, { ids: [image.id], reason: '' }, moderator.token);
    expect(errorCode(bulk)).toBe('BAD_USER_INPUT');
    expect((await api.gql(IMAGE, { id: image.id }, owner.token)).data!.image.status).toBe('IN_REVIEW');

    const longest = await api.gql(REJECT, { id: image.id, reason: 'é'.repeat(500) }, moderator.token);
    expect(longest.data!.rejectImage.status).toBe('REJECTED');
  });

  it('decides an image only once', async () => {
    const image = await uploadImage(api, owner.token);
    expect((await api.gql(APPROVE, { id: image.id }, moderator.token)).data!.approveImage.status).toBe('APPROVED');

    const again = await api.gql(REJECT, { id: image.id, reason: 'Too late.' }, moderator.token);
    expect(errorCode(again)).toBe('INVALID_STATE');
    expect(again.errors![0].message).toContain('is APPROVED, not IN_REVIEW');
    expect((await api.gql(IMAGE, { id: image.id }, owner.token)).data!.image).toMatchObject({ status: 'APPROVED', rejectionReason: null });
    expect(await auditEntriesFor(image.id)).toHaveLength(2);
  });

  it('lets exactly one of two racing moderators decide', async () => {
    for (let round = 0; round < 4; round += 1) {
      const image = await uploadImage(api, owner.token);
      const [approve, reject] = await Promise.all([
        api.gql(APPROVE, { id: image.id }, moderator.token),
        api.gql(REJECT, { id: image.id, reason: 'Spam.' }, otherModerator.token),
      ]);
      const winners = [approve, reject].filter((result) => result.errors === undefined);
      expect(winners).toHaveLength(1);
      const loser = [approve, reject].find((result) => result.errors !== undefined)!;
      expect(errorCode(loser)).toBe('INVALID_STATE');

      const decisions = (await auditEntriesFor(image.id)).filter((entry: any) => !entry.automated);
      expect(decisions).toHaveLength(1);
      const status = (await api.gql(IMAGE, { id: image.id }, owner.token)).data!.image.status;
      expect(decisions[0].action).toBe(status === 'APPROVED' ? 'IMAGE_APPROVED' : 'IMAGE_REJECTED');
    }
  });

  it('approves in bulk and reports what it skipped', async () => {
    const fresh = [await uploadImage(api, owner.token), await uploadImage(api, owner.token)];
    const decided = await uploadImage(api, owner.token);
    await api.gql(APPROVE, { id: decided.id }, moderator.token);
    const privateImage = await uploadImage(api, owner.token, { visibility: 'PRIVATE' });
    const missing = '00000000-0000-4000-8000-000000000000';

    const result = await api.gql(
      APPROVE_MANY,
      { ids: [fresh[0].id, fresh[1].id, fresh[0].id, decided.id, privateImage.id, missing, 'not-an-id'] },
      moderator.token,
    );
    expect(result.errors).toBeUndefined();
    const { images, skipped } = result.data!.approveImages;
    expect(images.map((image: any) => image.id).sort()).toEqual([fresh[0].id, fresh[1].id].sort());
    expect(images.every((image: any) => image.status === 'APPROVED')).toBe(true);
    expect(skipped.map((entry: any) => [entry.id, entry.code])).toEqual([
      [decided.id, 'INVALID_STATE'],
      // Moderators may not see other users' private images by default, so it reads as missing.
      [privateImage.id, 'NOT_FOUND'],
      [missing, 'NOT_FOUND'],
      ['not-an-id', 'NOT_FOUND'],
    ]);
    expect((await api.gql(IMAGE, { id: fresh[1].id }, viewer.token)).data!.image.status).toBe('APPROVED');
  });

  it('rejects in bulk with one reason', async () => {
    const images = [await uploadImage(api, owner.token), await uploadImage(api, owner.token)];
    const result = await api.gql(REJECT_MANY, { ids: images.map((image) => image.id), reason: 'Advertising.' }, moderator.token);
    expect(result.data!.rejectImages.skipped).toEqual([]);
    expect(result.data!.rejectImages.images).toEqual(
      expect.arrayContaining(images.map((image) => ({ id: image.id, status: 'REJECTED', rejectionReason: 'Advertising.' }))),
    );
    for (const image of images) {
      const entries = await auditEntriesFor(image.id);
      expect(entries[0]).toMatchObject({ action: 'IMAGE_REJECTED', reason: 'Advertising.', actorEmail: moderator.email });
    }
  });

  it('limits the size of a bulk decision', async () => {
    const ids = Array.from({ length: 101 }, (_, index) => `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`);
    const result = await api.gql(APPROVE_MANY, { ids }, moderator.token);
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0].message).toContain('the maximum is 100');
    expect(errorCode(await api.gql(APPROVE_MANY, { ids: [] }, moderator.token))).toBe('BAD_USER_INPUT');
  });

  it('refuses decisions by users who are not moderators', async () => {
    const image = await uploadImage(api, owner.token);
    expect(errorCode(await api.gql(APPROVE, { id: image.id }, owner.token))).toBe('FORBIDDEN');
    expect(errorCode(await api.gql(REJECT, { id: image.id, reason: 'No.' }, viewer.token))).toBe('FORBIDDEN');
    expect(errorCode(await api.gql(APPROVE_MANY, { ids: [image.id] }, viewer.token))).toBe('FORBIDDEN');
    expect(errorCode(await api.gql(APPROVE, { id: image.id }))).toBe('UNAUTHENTICATED');
    expect((await api.gql(IMAGE, { id: image.id }, owner.token)).data!.image.status).toBe('IN_REVIEW');
  });

  it('lets admins decide as moderators do', async () => {
    const image = await uploadImage(api, owner.token);
    expect((await api.gql(APPROVE, { id: image.id }, admin.token)).data!.approveImage.status).toBe('APPROVED');
  });

  it('records who decided what, when and why, with the automated result', async () => {
    const before = Date.now();
    const image = await uploadImage(api, owner.token);
    await api.gql(REJECT, { id: image.id, reason: 'Blurry beyond use.' }, moderator.token);

    const [decision, classified] = await auditEntriesFor(image.id);
    expect(decision).toMatchObject({
      action: 'IMAGE_REJECTED',
      automated: false,
      actor: { id: moderator.id },
      actorEmail: moderator.email,
      classifier: null,
      targetType: 'IMAGE',
      targetId: image.id,
      reason: 'Blurry beyond use.',
      automatedResult: { classifier: 'builtin', decision: 'REVIEW', labels: ['builtin:checks-passed'], score: null },
    });
    expect(new Date(decision.createdAt).getTime()).toBeGreaterThanOrEqual(before - 1000);
    // The default classifier adds no check of its own and sends the image to a moderator.
    expect(classified).toMatchObject({
      action: 'IMAGE_SENT_TO_REVIEW',
      automated: true,
      actor: null,
      actorEmail: null,
      classifier: 'builtin',
      automatedResult: { decision: 'REVIEW' },
    });
  });

  it('pages through the audit log newest first', async () => {
    const all = await api.gql(AUDIT_LOG, { first: 100 }, admin.token);
    const ids = all.data!.auditLog.edges.map((edge: any) => Number(edge.node.id));
    expect(ids.length).toBeGreaterThan(10);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));

    const paged: number[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = await api.gql(AUDIT_LOG, { first: 4, after }, admin.token);
      expect(page.data.auditLog.totalCount).toBe(all.data!.auditLog.totalCount);
      paged.push(...page.data.auditLog.edges.map((edge: any) => Number(edge.node.id)));
      if (!page.data.auditLog.pageInfo.hasNextPage) break;
      after = page.data.auditLog.pageInfo.endCursor;
    }
    expect(paged).toEqual(ids);

    const approvals = await api.gql(AUDIT_LOG, { first: 100, filter: { action: 'IMAGE_APPROVED' } }, admin.token);
    expect(approvals.data!.auditLog.edges.every((edge: any) => edge.node.action === 'IMAGE_APPROVED')).toBe(true);
    expect(errorCode(await api.gql(AUDIT_LOG, { after: 'bm90LWEtY3Vyc29y' }, admin.token))).toBe('BAD_USER_INPUT');
  });

  it('shows the audit log to admins only', async () => {
    expect(errorCode(await api.gql(AUDIT_LOG, {}, moderator.token))).toBe('FORBIDDEN');
    expect(errorCode(await api.gql(AUDIT_LOG, {}, viewer.token))).toBe('FORBIDDEN');
    expect(errorCode(await api.gql(AUDIT_LOG, {}))).toBe('UNAUTHENTICATED');
  });
});

import { signUp } from './support/fixtures';
import { startTestApi, type TestApi } from './support/test-api';
import { MODERATION_ENV, errorCode, signInAdmin, signUpWithRole, sql, uploadImage, type TestUser } from './moderation-fixtures';

const CLAIM = `
  mutation ($input: ClaimModerationBatchInput) {
    claimModerationBatch(input: $input) { leaseExpiresAt images { id status moderationLease { moderatorId heldByViewer expiresAt } } }
  }`;
const QUEUE = `
  query ($first: Int, $after: String) {
    moderationQueue(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id status url moderationLease { moderatorId heldByViewer } } }
    }
  }`;
const APPROVE = `mutation ($id: ID!) { approveImage(id: $id) { id status } }`;
const RELEASE = `mutation ($ids: [ID!]!) { releaseModerationClaims(ids: $ids) }`;
const APPROVE_MANY = `mutation ($ids: [ID!]!) { approveImages(ids: $ids) { images { id } skipped { id code } } }`;

const claimedIds = (result: any): string[] => result.data.claimModerationBatch.images.map((image: { id: string }) => image.id);

describe('moderation queue and leases', () => {
  let api: TestApi;
  let admin: TestUser;
  let owner: TestUser;
  let first: TestUser;
  let second: TestUser;

  beforeAll(async () => {
    api = await startTestApi(MODERATION_ENV);
    admin = await signInAdmin(api);
    owner = await signUp(api, 'owner');
    first = await signUpWithRole(api, admin, 'MODERATOR', 'first-moderator');
    second = await signUpWithRole(api, admin, 'MODERATOR', 'second-moderator');
  });

  afterAll(async () => {
    await api.stop();
  });

  /** Decides every image still in review, so each test starts with an empty queue. */
  async function drainQueue(): Promise<void> {
    await sql(api, `update images set status = 'APPROVED', claimed_by_id = null, lease_expires_at = null where status = 'IN_REVIEW'`);
  }

  async function uploadPublic(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) ids.push((await uploadImage(api, owner.token, { filename: `queued-${i}.png` })).id);
    return ids;
  }

  beforeEach(drainQueue);

  it('lists images in review oldest first, page by page', async () => {
    const ids = await uploadPublic(5);
    await uploadImage(api, owner.token, { visibility: 'PRIVATE' });

    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 3; page += 1) {
      const result: any = await api.gql(QUEUE, { first: 2, after }, first.token);
      expect(result.errors).toBeUndefined();
      expect(result.data.moderationQueue.totalCount).toBe(5);
      seen.push(...result.data.moderationQueue.edges.map((edge: any) => edge.node.id));
      for (const edge of result.data.moderationQueue.edges) {
        expect(edge.node.status).toBe('IN_REVIEW');
        expect(edge.node.url).toEqual(expect.any(String));
      }
      after = result.data.moderationQueue.pageInfo.endCursor;
      if (!result.data.moderationQueue.pageInfo.hasNextPage) break;
    }
    expect(seen).toEqual(ids);
  });

  it('is closed to users and anonymous callers', async () => {
    const user = await signUp(api, 'curious');
    expect(errorCode(await api.gql(QUEUE, {}, user.token))).toBe('FORBIDDEN');
    expect(errorCode(await api.gql(QUEUE, {}))).toBe('UNAUTHENTICATED');
    expect(errorCode(await api.gql(CLAIM, { input: { size: 1 } }, user.token))).toBe('FORBIDDEN');
  });

  it('never gives one image to two moderators claiming at once', async () => {
    const ids = await uploadPublic(12);

    const [a, b] = await Promise.all([
      api.gql(CLAIM, { input: { size: 7 } }, first.token),
      api.gql(CLAIM, { input: { size: 7 } }, second.token),
    ]);
    expect(a.errors).toBeUndefined();
    expect(b.errors).toBeUndefined();
    const heldByFirst = claimedIds(a);
    const heldBySecond = claimedIds(b);
    expect(heldByFirst.filter((id) => heldBySecond.includes(id))).toEqual([]);
    expect(heldByFirst.length + heldBySecond.length).toBe(12);
    expect([...heldByFirst, ...heldBySecond].sort()).toEqual([...ids].sort());

    for (const image of a.data!.claimModerationBatch.images) {
      expect(image.moderationLease).toMatchObject({ moderatorId: first.id, heldByViewer: true });
    }
    const rows = await sql<{ id: string; claimed_by_id: string }>(api, `select id, claimed_by_id from images where id in (?)`, [ids]);
    for (const row of rows) {
      expect(row.claimed_by_id).toBe(heldByFirst.includes(row.id) ? first.id : second.id);
    }
  });

  it('keeps images apart over rounds of parallel claims and decisions', async () => {
    const ids = await uploadPublic(10);
    const decidedBy = new Map<string, string>();
    for (let round = 0; round < 5 && decidedBy.size < ids.length; round += 1) {
      const moderators = [first, second];
      const claims = await Promise.all(moderators.map((moderator) => api.gql(CLAIM, { input: { size: 2 } }, moderator.token)));
      const [heldByFirst, heldBySecond] = claims.map(claimedIds);
      expect(heldByFirst.filter((id) => heldBySecond.includes(id))).toEqual([]);

      // A moderator who got nothing in the last round has nothing to approve.
      const decisions = await Promise.all(
        moderators.map((moderator, index) =>
          claimedIds(claims[index]).length === 0
            ? { data: { approveImages: { images: [], skipped: [] } } }
            : api.gql(APPROVE_MANY, { ids: claimedIds(claims[index]) }, moderator.token),
        ),
      );
      decisions.forEach((decision, index) => {
        expect(decision.data!.approveImages.skipped).toEqual([]);
        for (const image of decision.data!.approveImages.images) {
          expect(decidedBy.has(image.id)).toBe(false);
          decidedBy.set(image.id, moderators[index].id);
        }
      });
    }
    expect([...decidedBy.keys()].sort()).toEqual([...ids].sort());
  });

  it('returns the same batch when a moderator claims again, and renews the lease', async () => {
    await uploadPublic(4);
    const firstClaim = await api.gql(CLAIM, { input: { size: 2 } }, first.token);
    const again = await api.gql(CLAIM, { input: { size: 2 } }, first.token);
    expect(claimedIds(again)).toEqual(claimedIds(firstClaim));
    expect(new Date(again.data!.claimModerationBatch.leaseExpiresAt).getTime()).toBeGreaterThanOrEqual(
      new Date(firstClaim.data!.claimModerationBatch.leaseExpiresAt).getTime(),
    );

    const other = await api.gql(CLAIM, { input: { size: 4 } }, second.token);
    expect(claimedIds(other)).toHaveLength(2);
    expect(claimedIds(other).filter((id) => claimedIds(firstClaim).includes(id))).toEqual([]);
  });

  it('shows in the queue who holds each image', async () => {
    await uploadPublic(2);
    const claim = await api.gql(CLAIM, { input: { size: 1 } }, first.token);
    const [heldId] = claimedIds(claim);

    const queue: any = await api.gql(QUEUE, {}, second.token);
    const nodes = queue.data.moderationQueue.edges.map((edge: any) => edge.node);
    expect(nodes.find((node: any) => node.id === heldId).moderationLease).toEqual({ moderatorId: first.id, heldByViewer: false });
    expect(nodes.find((node: any) => node.id !== heldId).moderationLease).toBeNull();
  });

  it('refuses a decision on an image another moderator holds', async () => {
    await uploadPublic(1);
    const [heldId] = claimedIds(await api.gql(CLAIM, { input: { size: 1 } }, first.token));

    const refused = await api.gql(APPROVE, { id: heldId }, second.token);
    expect(errorCode(refused)).toBe('IMAGE_CLAIMED');
    expect(refused.errors![0].message).toContain('Another moderator holds image');

    const approved = await api.gql(APPROVE, { id: heldId }, first.token);
    expect(approved.data!.approveImage.status).toBe('APPROVED');
    const [row] = await sql<{ claimed_by_id: string | null; lease_expires_at: Date | null }>(
      api,
      `select claimed_by_id, lease_expires_at from images where id = ?`,
      [heldId],
    );
    expect(row).toEqual({ claimed_by_id: null, lease_expires_at: null });
  });

  it('returns an image to the queue when its lease expires', async () => {
    await uploadPublic(1);
    const [heldId] = claimedIds(await api.gql(CLAIM, { input: { size: 1 } }, first.token));
    expect(claimedIds(await api.gql(CLAIM, { input: { size: 1 } }, second.token))).toEqual([]);

    // Time passes: the lease ends without a decision.
    await sql(api, `update images set lease_expires_at = now() - interval '1 second' where id = ?`, [heldId]);

    const queue: any = await api.gql(QUEUE, {}, second.token);
    expect(queue.data.moderationQueue.edges[0].node).toMatchObject({ id: heldId, moderationLease: null });
    const reclaimed = await api.gql(CLAIM, { input: { size: 1 } }, second.token);
    expect(claimedIds(reclaimed)).toEqual([heldId]);

    // The first moderator's lease is gone, so their decision now conflicts with the second's.
    expect(errorCode(await api.gql(APPROVE, { id: heldId }, first.token))).toBe('IMAGE_CLAIMED');
  });

  it('lets a moderator decide an expired lease of another', async () => {
    await uploadPublic(1);
    const [heldId] = claimedIds(await api.gql(CLAIM, { input: { size: 1 } }, first.token));
    await sql(api, `update images set lease_expires_at = now() - interval '1 second' where id = ?`, [heldId]);
    const approved = await api.gql(APPROVE, { id: heldId }, second.token);
    expect(approved.data!.approveImage.status).toBe('APPROVED');
  });

  it('puts released images back in the queue', async () => {
    await uploadPublic(2);
    const held = claimedIds(await api.gql(CLAIM, { input: { size: 2 } }, first.token));
    const released = await api.gql(RELEASE, { ids: [held[0], '00000000-0000-4000-8000-000000000000'] }, first.token);
    expect(released.data!.releaseModerationClaims).toEqual([held[0]]);

    // Only the holder can release: the second moderator's attempt changes nothing.
    expect((await api.gql(RELEASE, { ids: [held[1]] }, second.token)).data!.releaseModerationClaims).toEqual([]);
    expect(claimedIds(await api.gql(CLAIM, { input: { size: 5 } }, second.token))).toEqual([held[0]]);
  });

  it('rejects batch sizes out of range', async () => {
    for (const size of [0, 51]) {
      const result = await api.gql(CLAIM, { input: { size } }, first.token);
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0].message).toContain('Claim between 1 and 50 images');
    }
  });

  it('reports queue depth and the age of the oldest image as metrics', async () => {
    await uploadPublic(3);
    await sql(api, `update images set confirmed_at = now() - interval '120 seconds' where status = 'IN_REVIEW'`);
    const text = await (await fetch(`${api.url}/metrics`)).text();
    expect(text).toMatch(/^sidestep_moderation_queue_depth 3$/m);
    const age = Number(/^sidestep_moderation_queue_oldest_age_seconds ([\d.]+)$/m.exec(text)?.[1]);
    expect(age).toBeGreaterThanOrEqual(120);
    expect(age).toBeLessThan(600);

    await drainQueue();
    const empty = await (await fetch(`${api.url}/metrics`)).text();
    expect(empty).toMatch(/^sidestep_moderation_queue_depth 0$/m);
    expect(empty).toMatch(/^sidestep_moderation_queue_oldest_age_seconds 0$/m);
  });
});

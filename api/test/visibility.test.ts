import { signUp } from './support/fixtures';
import { startTestApi, type TestApi } from './support/test-api';
import { MODERATION_ENV, setModeratorsSeePrivate, signInAdmin, signUpWithRole, sql, uploadImage, type TestUser } from './moderation-fixtures';

/**
 * Every viewer against every status, visibility and purpose, on `image`,
 * `images` (with totalCount) and `url`. Each image is uploaded for real and
 * then put into its state in the database, so that combinations the API
 * never produces (a PRIVATE image IN_REVIEW, say) are checked too.
 */

type ViewerName = 'owner' | 'other' | 'moderator' | 'admin' | 'anonymous';
type Status = 'PENDING_UPLOAD' | 'IN_REVIEW' | 'APPROVED' | 'REJECTED' | 'EXPIRED';

const VIEWERS: ViewerName[] = ['owner', 'other', 'moderator', 'admin', 'anonymous'];
const STATUSES: Status[] = ['PENDING_UPLOAD', 'IN_REVIEW', 'APPROVED', 'REJECTED', 'EXPIRED'];
const VISIBILITIES = ['PUBLIC', 'PRIVATE'] as const;
const PURPOSES = ['GALLERY', 'PROCESSING'] as const;

interface Combination {
  status: Status;
  visibility: (typeof VISIBILITIES)[number];
  purpose: (typeof PURPOSES)[number];
  id: string;
}

/** Statuses whose verified object exists; pending uploads have none yet and expired ones none any more. */
const HAS_OBJECT = new Set<Status>(['IN_REVIEW', 'APPROVED', 'REJECTED']);

/** The visibility rules, written out independently of the policy under test. */
function expectVisible(viewer: ViewerName, image: Combination, moderatorsSeePrivate: boolean): boolean {
  if (viewer === 'anonymous') return false;
  if (viewer === 'owner') return true;
  const publicGallery = image.visibility === 'PUBLIC' && image.purpose === 'GALLERY';
  if (publicGallery && image.status === 'APPROVED') return true;
  if (viewer === 'other') return false;
  if (!HAS_OBJECT.has(image.status)) return false;
  return publicGallery || moderatorsSeePrivate;
}

const label = (image: Combination) => `${image.status} ${image.visibility} ${image.purpose}`;

const IMAGE = `query ($id: ID!) { image(id: $id) { id status visibility purpose url urlExpiresAt } }`;
const IMAGES = `
  query ($first: Int, $after: String, $filter: ImageFilter) {
    images(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id url } }
    }
  }`;

describe('image visibility', () => {
  let api: TestApi;
  let admin: TestUser;
  const tokens = {} as Record<ViewerName, string | undefined>;
  const combinations: Combination[] = [];

  beforeAll(async () => {
    api = await startTestApi(MODERATION_ENV);
    admin = await signInAdmin(api);
    const owner = await signUp(api, 'owner');
    const other = await signUp(api, 'other');
    const moderator = await signUpWithRole(api, admin, 'MODERATOR', 'moderator');
    Object.assign(tokens, { owner: owner.token, other: other.token, moderator: moderator.token, admin: admin.token, anonymous: undefined });

    for (const status of STATUSES) {
      for (const visibility of VISIBILITIES) {
        for (const purpose of PURPOSES) {
          const image = await uploadImage(api, owner.token, { visibility: 'PRIVATE', purpose: 'GALLERY', filename: `${status}-${visibility}-${purpose}.png` });
          await sql(
            api,
            `update images set status = ?, visibility = ?, purpose = ?, object_key = case when ? then object_key else null end where id = ?`,
            [status, visibility, purpose, HAS_OBJECT.has(status), image.id],
          );
          combinations.push({ status, visibility, purpose, id: image.id });
        }
      }
    }
  });

  afterAll(async () => {
    await api.stop();
  });

  async function checkImageField(viewer: ViewerName, moderatorsSeePrivate: boolean): Promise<void> {
    for (const image of combinations) {
      const result = await api.gql(IMAGE, { id: image.id }, tokens[viewer]);
      expect(result.errors).toBeUndefined();
      const visible = expectVisible(viewer, image, moderatorsSeePrivate);
      const seen = result.data!.image;
      expect({ image: label(image), seen: seen !== null }).toEqual({ image: label(image), seen: visible });
      if (!visible) continue;
      expect(seen).toMatchObject({ id: image.id, status: image.status, visibility: image.visibility, purpose: image.purpose });
      const hasUrl = HAS_OBJECT.has(image.status);
      expect({ image: label(image), url: seen.url !== null }).toEqual({ image: label(image), url: hasUrl });
      expect({ image: label(image), urlExpiresAt: seen.urlExpiresAt !== null }).toEqual({ image: label(image), urlExpiresAt: hasUrl });
    }
  }

  async function listAll(viewer: ViewerName, filter?: Record<string, unknown>) {
    const nodes: { id: string; url: string | null }[] = [];
    let after: string | null = null;
    let totalCount = -1;
    for (;;) {
      const result: any = await api.gql(IMAGES, { first: 7, after, filter }, tokens[viewer]);
      expect(result.errors).toBeUndefined();
      totalCount = result.data.images.totalCount;
      nodes.push(...result.data.images.edges.map((edge: any) => edge.node));
      if (!result.data.images.pageInfo.hasNextPage) break;
      after = result.data.images.pageInfo.endCursor;
    }
    return { nodes, totalCount };
  }

  async function checkImagesList(viewer: ViewerName, moderatorsSeePrivate: boolean): Promise<void> {
    const expected = combinations.filter((image) => expectVisible(viewer, image, moderatorsSeePrivate));
    const { nodes, totalCount } = await listAll(viewer);
    expect(nodes.map((node) => node.id).sort()).toEqual(expected.map((image) => image.id).sort());
    expect(totalCount).toBe(expected.length);
    for (const node of nodes) {
      const image = combinations.find((candidate) => candidate.id === node.id)!;
      expect({ image: label(image), url: node.url !== null }).toEqual({ image: label(image), url: HAS_OBJECT.has(image.status) });
    }

    for (const status of STATUSES) {
      const filtered = await listAll(viewer, { status });
      const expectedForStatus = expected.filter((image) => image.status === status);
      expect({ status, totalCount: filtered.totalCount }).toEqual({ status, totalCount: expectedForStatus.length });
      expect(filtered.nodes.map((node) => node.id).sort()).toEqual(expectedForStatus.map((image) => image.id).sort());
    }
    for (const visibility of VISIBILITIES) {
      const filtered = await listAll(viewer, { visibility });
      expect({ visibility, totalCount: filtered.totalCount }).toEqual({
        visibility,
        totalCount: expected.filter((image) => image.visibility === visibility).length,
      });
    }
  }

  it('covers every status, visibility and purpose', () => {
    expect(combinations).toHaveLength(STATUSES.length * VISIBILITIES.length * PURPOSES.length);
  });

  describe('with the default settings', () => {
    it.each(VIEWERS)('image and url for the %s', async (viewer) => {
      await checkImageField(viewer, false);
    });

    it.each(VIEWERS)('images and totalCount for the %s', async (viewer) => {
      await checkImagesList(viewer, false);
    });
  });

  describe('when moderators may see private images', () => {
    beforeAll(async () => {
      await setModeratorsSeePrivate(api, admin, true);
    });

    afterAll(async () => {
      await setModeratorsSeePrivate(api, admin, false);
    });

    it.each(VIEWERS)('image and url for the %s', async (viewer) => {
      await checkImageField(viewer, true);
    });

    it.each(VIEWERS)('images and totalCount for the %s', async (viewer) => {
      await checkImagesList(viewer, true);
    });
  });

  it('hides private images from moderators again once the setting is off', async () => {
    const privateApproved = combinations.find((image) => image.status === 'APPROVED' && image.visibility === 'PRIVATE')!;
    const result = await api.gql(IMAGE, { id: privateApproved.id }, tokens.moderator);
    expect(result.data!.image).toBeNull();
  });

  it('gives nothing to a token that is not a session', async () => {
    const approved = combinations.find((image) => image.status === 'APPROVED' && image.visibility === 'PUBLIC' && image.purpose === 'GALLERY')!;
    const result = await api.gql(IMAGE, { id: approved.id }, 'sst_not-a-real-token');
    expect(result.data?.image ?? null).toBeNull();
  });
});

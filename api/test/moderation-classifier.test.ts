import { registerImageClassifier, type ClassifierInput, type ClassifierVerdict } from '../src/modules/moderation/image-classifier';
import { ClassifierDecision } from '../src/modules/moderation/audit-log.entity';
import { signUp } from './support/fixtures';
import { startTestApi, type TestApi } from './support/test-api';
import { MODERATION_ENV, signInAdmin, signUpWithRole, uploadImage, type TestUser } from './moderation-fixtures';

/** A verdict the test hands out later, so it can act while the classifier is still running. */
interface PendingVerdict {
  started: Promise<void>;
  markStarted(): void;
  verdict: Promise<ClassifierVerdict>;
  answer(verdict: ClassifierVerdict): void;
}

const pending = new Map<string, PendingVerdict>();

function pendingFor(filename: string): PendingVerdict {
  let entry = pending.get(filename);
  if (!entry) {
    let markStarted!: () => void;
    let answer!: (verdict: ClassifierVerdict) => void;
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    const verdict = new Promise<ClassifierVerdict>((resolve) => (answer = resolve));
    entry = { markStarted, started, verdict, answer };
    pending.set(filename, entry);
  }
  return entry;
}

const seenInputs: ClassifierInput[] = [];

// The filename tells this classifier what to answer, so each test picks the verdict it needs.
registerImageClassifier('scripted', () => ({
  name: 'scripted',
  async classify(input: ClassifierInput): Promise<ClassifierVerdict> {
    seenInputs.push(input);
    const [kind] = input.filename.split('-');
    switch (kind) {
      case 'approve':
        return { decision: ClassifierDecision.APPROVE, labels: ['safe'], score: 0.98 };
      case 'reject':
        return { decision: ClassifierDecision.REJECT, labels: ['spam', 'text-heavy'], score: 0.91, reason: 'Looks like an advertisement.' };
      case 'rejectnoreason':
        return { decision: ClassifierDecision.REJECT, labels: ['violence'], score: 0.7 };
      case 'review':
        return { decision: ClassifierDecision.REVIEW, labels: ['unsure'], score: 0.5 };
      case 'throw':
        throw new Error('classifier service unavailable');
      case 'malformed':
        return { decision: 'MAYBE' as ClassifierDecision, labels: [], score: 2 };
      case 'hang':
        return new Promise<ClassifierVerdict>(() => undefined);
      case 'wait': {
        const entry = pendingFor(input.filename);
        entry.markStarted();
        return entry.verdict;
      }
      default:
        return { decision: ClassifierDecision.REVIEW, labels: [], score: null };
    }
  },
}));

const IMAGE = `query ($id: ID!) { image(id: $id) { id status rejectionReason automatedCheck { classifier decision labels score } } }`;
const AUDIT_LOG = `
  query ($filter: AuditLogFilter) {
    auditLog(first: 50, filter: $filter) {
      edges { node { action automated classifier actorEmail reason automatedResult { classifier decision labels score } } }
    }
  }`;

describe('classifier after confirm', () => {
  let api: TestApi;
  let admin: TestUser;
  let owner: TestUser;
  let viewer: TestUser;
  let moderator: TestUser;

  beforeAll(async () => {
    api = await startTestApi({ ...MODERATION_ENV, MODERATION_CLASSIFIER: 'scripted', MODERATION_CLASSIFIER_TIMEOUT_MS: '300' });
    admin = await signInAdmin(api);
    owner = await signUp(api, 'owner');
    viewer = await signUp(api, 'viewer');
    moderator = await signUpWithRole(api, admin, 'MODERATOR', 'moderator');
  });

  afterAll(async () => {
    for (const entry of pending.values()) entry.answer({ decision: ClassifierDecision.REVIEW, labels: [], score: null });
    await api.stop();
  });

  async function auditFor(imageId: string) {
    const result = await api.gql(AUDIT_LOG, { filter: { targetType: 'IMAGE', targetId: imageId } }, admin.token);
    expect(result.errors).toBeUndefined();
    return result.data!.auditLog.edges.map((edge: any) => edge.node);
  }

  it('publishes an image the classifier approves, and logs it', async () => {
    const image = await uploadImage(api, owner.token, { filename: 'approve-1.png' });
    expect(image.status).toBe('APPROVED');
    expect((await api.gql(IMAGE, { id: image.id }, viewer.token)).data!.image.status).toBe('APPROVED');

    expect(await auditFor(image.id)).toEqual([
      {
        action: 'IMAGE_APPROVED',
        automated: true,
        classifier: 'scripted',
        actorEmail: null,
        reason: null,
        automatedResult: { classifier: 'scripted', decision: 'APPROVE', labels: ['safe'], score: 0.98 },
      },
    ]);
    const input = seenInputs.find((entry) => entry.imageId === image.id)!;
    expect(input).toMatchObject({ contentType: 'image/png', width: 12, height: 9 });
    expect((await fetch(await input.viewUrl())).status).toBe(200);
  });

  it('rejects with the classifier reason, which the owner sees', async () => {
    const image = await uploadImage(api, owner.token, { filename: 'reject-1.png' });
    expect(image).toMatchObject({ status: 'REJECTED', rejectionReason: 'Looks like an advertisement.' });
    expect((await api.gql(IMAGE, { id: image.id }, viewer.token)).data!.image).toBeNull();
    const [entry] = await auditFor(image.id);
    expect(entry).toMatchObject({ action: 'IMAGE_REJECTED', automated: true, reason: 'Looks like an advertisement.' });
    expect(entry.automatedResult.labels).toEqual(['spam', 'text-heavy']);
  });

  it('names the labels when a rejection comes without a reason', async () => {
    const image = await uploadImage(api, owner.token, { filename: 'rejectnoreason-1.png' });
    expect(image.status).toBe('REJECTED');
    expect(image.rejectionReason).toBe('The automated check rejected the image (violence).');
  });

  it('sends an image to a moderator and shows them the verdict', async () => {
    const image = await uploadImage(api, owner.token, { filename: 'review-1.png' });
    expect(image.status).toBe('IN_REVIEW');
    const forModerator = await api.gql(IMAGE, { id: image.id }, moderator.token);
    expect(forModerator.data!.image.automatedCheck).toEqual({ classifier: 'scripted', decision: 'REVIEW', labels: ['unsure'], score: 0.5 });
    expect((await api.gql(IMAGE, { id: image.id }, owner.token)).data!.image.automatedCheck).toBeNull();

    await api.gql(`mutation ($id: ID!) { approveImage(id: $id) { id } }`, { id: image.id }, moderator.token);
    const [decision, sentToReview] = await auditFor(image.id);
    expect(sentToReview).toMatchObject({ action: 'IMAGE_SENT_TO_REVIEW', automated: true, classifier: 'scripted' });
    expect(decision).toMatchObject({
      action: 'IMAGE_APPROVED',
      automated: false,
      actorEmail: moderator.email,
      automatedResult: { classifier: 'scripted', decision: 'REVIEW', labels: ['unsure'], score: 0.5 },
    });
  });

  it.each([
    ['throws', 'throw'],
    ['answers a malformed verdict', 'malformed'],
    ['times out', 'hang'],
  ])('leaves the image to a moderator when the classifier %s', async (_case, kind) => {
    const image = await uploadImage(api, owner.token, { filename: `${kind}-1.png` });
    expect(image.status).toBe('IN_REVIEW');
    expect(await auditFor(image.id)).toEqual([]);
  });

  it('never publishes an image a moderator rejected first', async () => {
    const filename = 'wait-race.png';
    const waiting = pendingFor(filename);
    const confirm = uploadImage(api, owner.token, { filename });
    await waiting.started;

    // The upload is committed as IN_REVIEW while the classifier still thinks.
    const queue = await api.gql(`{ moderationQueue(first: 50) { edges { node { id filename } } } }`, {}, moderator.token);
    const queued = queue.data!.moderationQueue.edges.find((edge: any) => edge.node.filename === filename).node;
    const rejected = await api.gql(
      `mutation ($id: ID!) { rejectImage(id: $id, reason: "Private information visible.") { status } }`,
      { id: queued.id },
      moderator.token,
    );
    expect(rejected.data!.rejectImage.status).toBe('REJECTED');

    waiting.answer({ decision: ClassifierDecision.APPROVE, labels: ['safe'], score: 0.99 });
    const confirmed = await confirm;
    expect(confirmed).toMatchObject({ status: 'REJECTED', rejectionReason: 'Private information visible.' });
    expect((await api.gql(IMAGE, { id: queued.id }, viewer.token)).data!.image).toBeNull();
    const entries = await auditFor(queued.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: 'IMAGE_REJECTED', automated: false });
  });

  it('does not run for private uploads, which skip review', async () => {
    const before = seenInputs.length;
    const image = await uploadImage(api, owner.token, { filename: 'reject-private.png', visibility: 'PRIVATE' });
    expect(image.status).toBe('APPROVED');
    expect(seenInputs.length).toBe(before);
  });

  it('runs once, not again on a repeated confirm', async () => {
    const image = await uploadImage(api, owner.token, { filename: 'review-twice.png' });
    const again = await api.gql(`mutation ($id: ID!) { confirmUpload(id: $id) { status } }`, { id: image.id }, owner.token);
    expect(again.data!.confirmUpload.status).toBe('IN_REVIEW');
    expect(seenInputs.filter((input) => input.imageId === image.id)).toHaveLength(1);
    expect(await auditFor(image.id)).toHaveLength(1);
  });
});

describe('classifier selection', () => {
  it('refuses to start with an unknown classifier', async () => {
    await expect(startTestApi({ MODERATION_CLASSIFIER: 'no-such-classifier' })).rejects.toThrow(
      'MODERATION_CLASSIFIER="no-such-classifier" names no known classifier; use one of: builtin, scripted.',
    );
  });

  it('rejects a malformed classifier name in the configuration', async () => {
    await expect(startTestApi({ MODERATION_CLASSIFIER: 'Not A Name' })).rejects.toThrow('is not a classifier name');
  });
});

import type { RequestContext } from '../../context';
import { ClassifierDecision } from './audit-log.entity';
import type { ClassifierInput, ClassifierVerdict, ImageClassifier } from './image-classifier';

const MAX_LABELS = 20;
const MAX_LABEL_LENGTH = 64;

class ClassifierTimeout extends Error {}

/**
 * Calls the classifier with a time limit and validates its verdict. Returns
 * null, after logging why, when the classifier throws, times out or returns a
 * malformed verdict, so that the image waits for a moderator.
 */
export async function runClassifier(
  ctx: RequestContext,
  classifier: ImageClassifier,
  timeoutMs: number,
  input: ClassifierInput,
): Promise<ClassifierVerdict | null> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new ClassifierTimeout()), timeoutMs);
    });
    const verdict = await Promise.race([classifier.classify(input), timeout]);
    const problem = verdictProblem(verdict);
    if (problem) {
      ctx.logger.warn({ event: 'moderation.classifier_invalid_verdict', imageId: input.imageId, classifier: classifier.name, problem });
      return null;
    }
    return { ...verdict, labels: [...verdict.labels], score: verdict.score ?? null };
  } catch (error) {
    const timedOut = error instanceof ClassifierTimeout;
    ctx.logger.warn({
      event: timedOut ? 'moderation.classifier_timed_out' : 'moderation.classifier_failed',
      imageId: input.imageId,
      classifier: classifier.name,
      elapsedMs: Date.now() - started,
      err: timedOut ? undefined : error,
    });
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/** Describes what is wrong with a verdict, or returns null when it is well formed. */
function verdictProblem(verdict: ClassifierVerdict | null | undefined): string | null {
  if (!verdict || typeof verdict !== 'object') return 'the verdict is not an object';
  if (!Object.values(ClassifierDecision).includes(verdict.decision)) return `unknown decision "${String(verdict.decision)}"`;
  if (!Array.isArray(verdict.labels) || verdict.labels.length > MAX_LABELS) return `labels must be an array of at most ${MAX_LABELS} strings`;
  if (verdict.labels.some((label) => typeof label !== 'string' || label.length === 0 || label.length > MAX_LABEL_LENGTH)) {
    return `each label must be a string of 1 to ${MAX_LABEL_LENGTH} characters`;
  }
  const score = verdict.score;
  if (score !== null && score !== undefined && !(typeof score === 'number' && Number.isFinite(score) && score >= 0 && score <= 1)) {
    return `score ${String(score)} is not null or a number between 0 and 1`;
  }
  if (verdict.reason !== undefined && typeof verdict.reason !== 'string') return 'reason must be a string';
  return null;
}

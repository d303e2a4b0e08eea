import type { Logger } from '../../logging/logger';
import { ClassifierDecision } from './audit-log.entity';

/** Input of a classifier. The bytes stay in storage, and `viewUrl` lets a classifier fetch them itself. */
export interface ClassifierInput {
  imageId: string;
  filename: string;
  /** Verified from the bytes at confirm. */
  contentType: string;
  byteSize: number;
  width: number | null;
  height: number | null;
  /** Mints a short-lived presigned GET URL of the verified object. */
  viewUrl(): Promise<string>;
}

export interface ClassifierVerdict {
  decision: ClassifierDecision;
  /** Short machine-readable findings, for example `nudity` or `builtin:checks-passed`. */
  labels: string[];
  /** Confidence between 0 and 1, or null when the classifier gives none. */
  score: number | null;
  /** Shown to the owner when the decision is REJECT; a generic text is used when missing. */
  reason?: string;
}

/**
 * An automated check that runs after a public upload is confirmed. It can
 * approve, reject or send the image to a moderator. Its verdict is applied
 * with the same conditional update as a moderator's, so it only ever moves
 * an image that is still IN_REVIEW and not claimed by a moderator.
 */
export interface ImageClassifier {
  /** Name recorded in the audit log, equal to the MODERATION_CLASSIFIER value that selects it. */
  readonly name: string;
  classify(input: ClassifierInput): Promise<ClassifierVerdict>;
}

export interface ClassifierDependencies {
  logger: Logger;
}

export type ClassifierFactory = (dependencies: ClassifierDependencies) => ImageClassifier;

/**
 * The default. Confirm already checked the magic number, the declared type,
 * the size and the pixel count, so this adds no check of its own and leaves
 * every decision to a moderator.
 */
export class BuiltinClassifier implements ImageClassifier {
  readonly name = 'builtin';

  async classify(): Promise<ClassifierVerdict> {
    return { decision: ClassifierDecision.REVIEW, labels: ['builtin:checks-passed'], score: null };
  }
}

const FACTORIES = new Map<string, ClassifierFactory>([['builtin', () => new BuiltinClassifier()]]);

/**
 * Makes another implementation selectable by MODERATION_CLASSIFIER. Call it
 * before the API starts, for example from a deployment's own entry point.
 */
export function registerImageClassifier(name: string, factory: ClassifierFactory): void {
  FACTORIES.set(name, factory);
}

/** Builds the classifier that MODERATION_CLASSIFIER names, or throws listing the known names. */
export function createImageClassifier(name: string, dependencies: ClassifierDependencies): ImageClassifier {
  const factory = FACTORIES.get(name);
  if (!factory) {
    throw new Error(`MODERATION_CLASSIFIER="${name}" names no known classifier; use one of: ${[...FACTORIES.keys()].join(', ')}.`);
  }
  return factory(dependencies);
}

import { AppError } from '../../errors/app-error';

/**
 * The view URLs one request may mint for an API token. The limits plugin
 * reserves an allowance from the token's window budget before the operation
 * runs and gives back what the request did not use. The `url` and
 * `urlExpiresAt` fields of one image share one URL, so they take one unit.
 */
export class ViewUrlBudget {
  private readonly granted = new Set<string>();
  private readonly refused = new Set<string>();

  constructor(
    /** URLs this request may mint. */
    readonly allowance: number,
    /** The token's budget per window. */
    readonly limit: number,
    readonly windowSeconds: number,
    readonly resetAt: Date,
  ) {}

  /** Takes one URL for the image. Returns false, and records the image as withheld, when the allowance is spent. */
  take(imageId: string): boolean {
    if (this.granted.has(imageId)) return true;
    if (this.granted.size >= this.allowance) {
      this.refused.add(imageId);
      return false;
    }
    this.granted.add(imageId);
    return true;
  }

  get used(): number {
    return this.granted.size;
  }

  /** Images whose URL this request withheld. */
  get withheld(): number {
    return this.refused.size;
  }

  exhaustedError(): AppError {
    const retryAfterSeconds = Math.max(1, Math.ceil((this.resetAt.getTime() - Date.now()) / 1000));
    return new AppError(
      'VIEW_URL_BUDGET_EXHAUSTED',
      `This API token has used its ${this.limit} view URLs per ${this.windowSeconds} s, so url is null. ` +
        `Retry after ${this.resetAt.toISOString()}, or ask for fewer url fields.`,
      { limit: this.limit, windowSeconds: this.windowSeconds, resetAt: this.resetAt.toISOString(), retryAfterSeconds },
    );
  }
}

import { GraphQLError } from 'graphql';

/**
 * The error catalogue. Codes are a public contract: third parties branch on
 * `extensions.code`, so a code is never renamed or reused for another meaning.
 * The category fixes the HTTP-ish meaning and the log level.
 */
export const ERROR_CATALOGUE = {
  BAD_USER_INPUT: { category: 'client', description: 'An argument is malformed or out of range.' },
  UNAUTHENTICATED: { category: 'auth', description: 'No valid session or token was sent, or it expired.' },
  FORBIDDEN: { category: 'auth', description: 'The viewer is signed in but lacks the role or scope.' },
  NOT_FOUND: { category: 'client', description: 'The object does not exist or is not visible to the viewer.' },
  EMAIL_TAKEN: { category: 'client', description: 'An account with this email address already exists.' },
  INVALID_CREDENTIALS: { category: 'auth', description: 'The email address or password is wrong.' },
  QUOTA_EXCEEDED: { category: 'limit', description: 'The upload would take the user past their byte or image limit.' },
  FILE_TOO_LARGE: { category: 'client', description: 'The declared size is above the per-file maximum.' },
  UNSUPPORTED_TYPE: { category: 'client', description: 'The content type is not on the upload allowlist.' },
  UPLOAD_NOT_FOUND: { category: 'retryable', description: 'The object is not in storage yet; retry until the grant expires.' },
  UPLOAD_MISMATCH: { category: 'client', description: 'The stored bytes do not match the grant or the declared type.' },
  GRANT_EXPIRED: { category: 'client', description: 'The upload grant expired before the upload was confirmed.' },
  CONFIRM_IN_PROGRESS: { category: 'retryable', description: 'Another confirm of this image is still running; retry after `extensions.retryAfterSeconds`.' },
  INVALID_STATE: { category: 'client', description: 'The image is not in a state that allows this operation.' },
  IMAGE_CLAIMED: { category: 'client', description: 'Another moderator holds a lease on the image; it returns to the queue when the lease expires.' },
  RATE_LIMITED: { category: 'limit', description: 'Too many requests; retry after `extensions.retryAfterSeconds`.' },
  QUERY_TOO_DEEP: { category: 'client', description: 'The operation nests fields deeper than `extensions.maxDepth`; nothing ran.' },
  QUERY_TOO_COMPLEX: { category: 'client', description: 'The operation costs more than `extensions.maxCost`; nothing ran.' },
  QUERY_TOO_MANY_ALIASES: { category: 'client', description: 'The operation selects more aliased fields than `extensions.maxAliases`; nothing ran.' },
  VIEW_URL_BUDGET_EXHAUSTED: {
    category: 'limit',
    description: "The API token has used its view URL budget for the window; `url` is null until `extensions.resetAt`.",
  },
  TOKEN_LIMIT_REACHED: { category: 'limit', description: 'The user already has the maximum number of active API tokens; revoke one first.' },
  STORAGE_UNAVAILABLE: { category: 'retryable', description: 'Object storage did not answer; retry later.' },
  INTERNAL_SERVER_ERROR: { category: 'internal', description: 'An unexpected error; quote `extensions.requestId` when reporting it.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
export type ErrorCategory = (typeof ERROR_CATALOGUE)[ErrorCode]['category'];

/**
 * An error whose message is safe to show to the caller. `details` go into
 * `extensions` next to the code; `cause` is for the logs only.
 */
export class AppError extends GraphQLError {
  readonly code: ErrorCode;
  readonly category: ErrorCategory;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, cause?: unknown) {
    super(message, { extensions: { code, ...details }, originalError: cause instanceof Error ? cause : undefined });
    this.name = 'AppError';
    this.code = code;
    this.category = ERROR_CATALOGUE[code].category;
  }
}

export const badInput = (message: string, field: string, details: Record<string, unknown> = {}) =>
  new AppError('BAD_USER_INPUT', message, { field, ...details });

export const notFound = (what: string, id: string) =>
  new AppError('NOT_FOUND', `No ${what} with id "${id}" exists or you may not see it. Check the id.`, { id });

export const unauthenticated = () =>
  new AppError('UNAUTHENTICATED', 'Sign in first: send "Authorization: Bearer <token>" from signIn or signUp.');

export const forbidden = (action: string) =>
  new AppError('FORBIDDEN', `Your account may not ${action}. Ask an administrator for the needed role.`);

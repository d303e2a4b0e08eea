// The one place that turns API error codes and transport failures into text for people.
import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';

import { OfflineError } from '../graphql/offline.link';

/** Stable `extensions.code` values of the Sidestep API. */
export type ApiErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'EMAIL_TAKEN'
  | 'INVALID_CREDENTIALS'
  | 'QUOTA_EXCEEDED'
  | 'FILE_TOO_LARGE'
  | 'UNSUPPORTED_TYPE'
  | 'UPLOAD_NOT_FOUND'
  | 'UPLOAD_MISMATCH'
  | 'GRANT_EXPIRED'
  | 'CONFIRM_IN_PROGRESS'
  | 'INVALID_STATE'
  | 'RATE_LIMITED'
  | 'STORAGE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

const SUMMARIES: Record<ApiErrorCode, string> = {
  UNAUTHENTICATED: 'You are not signed in, or your session has ended. Sign in and try again.',
  FORBIDDEN: 'You are not allowed to do this.',
  BAD_USER_INPUT: 'Some of the input is invalid.',
  NOT_FOUND: 'Not found. It may have been deleted.',
  EMAIL_TAKEN: 'An account with this email address already exists. Sign in instead.',
  INVALID_CREDENTIALS: 'Sign-in failed.',
  QUOTA_EXCEEDED: 'Your storage quota is full. Delete some images to make room.',
  FILE_TOO_LARGE: 'The file is too large.',
  UNSUPPORTED_TYPE: 'This file type is not supported. Use JPEG, PNG, WebP, GIF or AVIF.',
  UPLOAD_NOT_FOUND: 'The file did not arrive in storage. Upload it again.',
  UPLOAD_MISMATCH: 'The stored file does not match the file that was declared.',
  GRANT_EXPIRED: 'The upload permission expired before the file arrived. Upload it again.',
  CONFIRM_IN_PROGRESS: 'The file is still being checked. Try again in a moment.',
  INVALID_STATE: 'The image cannot be changed in its current state.',
  RATE_LIMITED: 'Too many requests. Wait a moment and try again.',
  STORAGE_UNAVAILABLE: 'Image storage is unavailable right now. Try again later.',
  INTERNAL_SERVER_ERROR: 'The server failed unexpectedly. Try again later.',
};

const OFFLINE_MESSAGE = 'You are offline. Reconnect and try again.';
const UNREACHABLE_MESSAGE = 'The server could not be reached. Check your connection and try again.';
const GATEWAY_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

/** One error as the GraphQL response reports it. */
export interface ApiError {
  code: string | null;
  message: string;
  /** Id that the API logged the request under, for reports about unexpected errors. */
  requestId: string | null;
}

/**
 * Lists the GraphQL errors carried by a failed Apollo operation. Apollo Server returns some
 * errors (for example invalid variables) with HTTP 400, which apollo-angular reports as a
 * `ServerError` whose body still contains the `errors` array.
 */
export function apiErrorsOf(error: unknown): ApiError[] {
  if (CombinedGraphQLErrors.is(error)) {
    return error.errors.map((graphQLError) => ({
      code: stringField(graphQLError.extensions, 'code'),
      message: graphQLError.message,
      requestId: stringField(graphQLError.extensions, 'requestId'),
    }));
  }

  if (ServerError.is(error)) {
    return parseErrorBody(error.bodyText);
  }

  return [];
}

export function hasErrorCode(error: unknown, code: ApiErrorCode): boolean {
  return apiErrorsOf(error).some((apiError) => apiError.code === code);
}

/**
 * Describes any failure in one or two sentences: a summary for the error code, then the
 * server's own message, which names the rejected value and what to do.
 */
export function describeError(error: unknown): string {
  const [first] = apiErrorsOf(error);
  if (first) {
    return describeApiError(first);
  }

  if (error instanceof OfflineError) {
    return error.message;
  }

  if (typeof navigator !== 'undefined' && !navigator.onLine) {
    return OFFLINE_MESSAGE;
  }

  if (ServerError.is(error)) {
    // The service worker returns 504 itself when the network is down, and proxies return
    // 502 or 503 while the API restarts.
    if (GATEWAY_STATUSES.has(error.statusCode)) {
      return UNREACHABLE_MESSAGE;
    }
    return `The server answered with status ${error.statusCode}. Try again later.`;
  }

  if (isNetworkFailure(error)) {
    return UNREACHABLE_MESSAGE;
  }

  if (error instanceof Error && error.message) {
    return error.message;
  }

  return 'Something went wrong. Try again.';
}

/**
 * True when a request got no response from the network: the browser reported no connection,
 * the connection failed, or the service worker responded 504 because it could not reach the
 * network. Such a request may succeed unchanged later. The browser can report being online
 * while this happens, for example on a network without internet access.
 */
export function isNetworkFailure(error: unknown): boolean {
  if (error instanceof OfflineError) {
    return true;
  }
  if (ServerError.is(error)) {
    return error.statusCode === 504;
  }
  // Angular's HttpClient reports a request that got no response as status 0, and apollo-angular
  // passes it on as a plain Error with HttpClient's message.
  return error instanceof Error && /Http failure response .*: 0 /.test(error.message);
}

export function describeApiError(apiError: ApiError): string {
  const summary = isKnownCode(apiError.code) ? SUMMARIES[apiError.code] : null;
  const detail = apiError.message.trim();

  let text: string;
  if (!summary) {
    text = detail || 'The request failed. Try again.';
  } else if (!detail || detail === summary) {
    text = summary;
  } else {
    text = `${summary} ${detail}`;
  }

  if (apiError.code === 'INTERNAL_SERVER_ERROR' && apiError.requestId) {
    text += ` Quote request id ${apiError.requestId} when reporting this.`;
  }
  return text;
}

/**
 * Describes a failed PUT to object storage. `storageCode` is the S3 error code from the XML
 * response body (for example `SignatureDoesNotMatch`) when the storage service sent one.
 */
export function describeStorageFailure(status: number, storageCode: string | null): string {
  if (status === 0) {
    return (
      'The upload to storage failed: no response (status 0). ' +
      'The connection dropped or the storage service blocked the request (CORS).'
    );
  }

  const codeText = storageCode ? ` (${storageCode})` : '';
  return `The upload to storage failed with status ${status}${codeText}. Upload the file again.`;
}

function isKnownCode(code: string | null): code is ApiErrorCode {
  return code !== null && Object.hasOwn(SUMMARIES, code);
}

function stringField(extensions: Record<string, unknown> | undefined, name: string): string | null {
  const value = extensions?.[name];
  return typeof value === 'string' ? value : null;
}

function parseErrorBody(bodyText: string): ApiError[] {
  try {
    const body: unknown = JSON.parse(bodyText);
    if (!isRecord(body) || !Array.isArray(body['errors'])) {
      return [];
    }

    return body['errors'].filter(isRecord).map((graphQLError) => {
      const extensions = isRecord(graphQLError['extensions']) ? graphQLError['extensions'] : undefined;
      return {
        code: stringField(extensions, 'code'),
        message: typeof graphQLError['message'] === 'string' ? graphQLError['message'] : '',
        requestId: stringField(extensions, 'requestId'),
      };
    });
  } catch {
    return [];
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Describes an image that `confirmUpload` rejected because its bytes failed the checks. */
export function describeRejection(rejectionReason: string | null): string {
  const reason = rejectionReason?.trim();
  return reason ? `The image was rejected: ${reason}` : 'The image was rejected.';
}

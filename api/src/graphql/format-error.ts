import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { ValidationError } from 'class-validator';
import { AppError } from '../errors/app-error';
import type { Logger } from '../logging/logger';
import { StorageUnavailableError } from '../storage/object-storage';

/** Codes produced by graphql-js and Apollo itself before any resolver runs; passed through as they are. */
const FRAMEWORK_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

function validationMessages(errors: ValidationError[]): string[] {
  return errors.flatMap((error) => [
    ...Object.values(error.constraints ?? {}),
    ...validationMessages(error.children ?? []),
  ]);
}

/**
 * Maps every error to the public catalogue. Anything unexpected reaches the
 * client as INTERNAL_SERVER_ERROR with only a request id; the details go to the log.
 */
export function formatError(
  formatted: GraphQLFormattedError,
  thrown: unknown,
  requestId: string | undefined,
  logger: Logger,
): GraphQLFormattedError {
  const error = unwrapResolverError(thrown);
  const base = { locations: formatted.locations, path: formatted.path };

  if (error instanceof AppError) {
    if (error.category === 'internal') logger.error({ event: 'graphql.error', requestId, err: error.originalError ?? error });
    return { ...base, message: error.message, extensions: { ...error.extensions, requestId } };
  }

  const extensions = (formatted.extensions ?? {}) as Record<string, unknown>;
  const validationErrors = extensions.validationErrors as ValidationError[] | undefined;
  if (validationErrors) {
    const messages = validationMessages(validationErrors);
    return {
      ...base,
      message: messages.join(' ') || formatted.message,
      extensions: { code: 'BAD_USER_INPUT', fields: validationErrors.map((entry) => entry.property), requestId },
    };
  }

  if (error instanceof StorageUnavailableError) {
    logger.error({ event: 'storage.unavailable', requestId, err: error });
    return {
      ...base,
      message: 'Object storage is not answering. Nothing was changed; retry in a few seconds.',
      extensions: { code: 'STORAGE_UNAVAILABLE', requestId },
    };
  }

  const code = typeof extensions.code === 'string' ? extensions.code : undefined;
  if (code && FRAMEWORK_CODES.has(code)) {
    return { ...formatted, extensions: { ...extensions, requestId } };
  }

  logger.error({ event: 'graphql.unexpected_error', requestId, err: error });
  return {
    ...base,
    message: `Internal server error. Quote request id ${requestId ?? 'unknown'} when you report it.`,
    extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
  };
}

import { randomUUID } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import type { NextFunction, Request, Response } from 'express';
import type { RequestContext } from '../context';

/**
 * Request ids travel with the request and its errors rather than in an
 * AsyncLocalStorage, whose store Node 20 copies into every promise and other
 * async resource that the process creates.
 */
const errorRequestIds = new WeakMap<object, string>();

/** Accepts a caller's `x-request-id` when it is a short token, otherwise makes one, and echoes it back. */
export function requestScope(req: Request, res: Response, next: NextFunction): void {
  const given = req.get('x-request-id');
  const requestId = given && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
  res.setHeader('x-request-id', requestId);
  res.locals.requestId = requestId;
  next();
}

/** Returns the id that `requestScope` gave the HTTP request of `res`. */
export function requestIdOf(res: Response): string {
  const requestId: unknown = res.locals.requestId;
  return typeof requestId === 'string' ? requestId : 'none';
}

/** Records that `error` was raised while serving `requestId`, for `formatError` to report. */
export function tagError(error: unknown, requestId: string): void {
  if (typeof error === 'object' && error !== null) errorRequestIds.set(error, requestId);
}

/** Returns the request id recorded for `error` or the error it wraps. */
export function requestIdOfError(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const own = errorRequestIds.get(error);
  if (own !== undefined) return own;
  const original = (error as { originalError?: unknown }).originalError;
  return typeof original === 'object' && original !== null ? errorRequestIds.get(original) : undefined;
}

/**
 * Tags every error of an operation with its request id. Apollo reports errors
 * to plugins before it formats them, so `formatError` finds the id.
 */
export function requestIdPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors }) {
          for (const error of errors) tagError(error, contextValue.requestId);
        },
      };
    },
  };
}

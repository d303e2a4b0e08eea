import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const scope = new AsyncLocalStorage<{ requestId: string }>();

/** Returns the id of the HTTP request being served, for logs and error extensions. */
export function currentRequestId(): string | undefined {
  return scope.getStore()?.requestId;
}

/** Accepts a caller's `x-request-id` when it is a short token, otherwise makes one, and echoes it back. */
export function requestScope(req: Request, res: Response, next: NextFunction): void {
  const given = req.get('x-request-id');
  const requestId = given && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
  res.setHeader('x-request-id', requestId);
  scope.run({ requestId }, next);
}

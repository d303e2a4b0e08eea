import { ApolloLink } from '@apollo/client';
import { OperationTypeNode } from 'graphql';
import { throwError } from 'rxjs';

/** Failure of an operation that was not sent because the browser reported no network connection. */
export class OfflineError extends Error {
  constructor(readonly operationType: OperationTypeNode) {
    super(
      operationType === OperationTypeNode.MUTATION
        ? 'You are offline. Reconnect to save changes.'
        : 'You are offline. Reconnect to load the latest data.',
    );
    this.name = 'OfflineError';
  }
}

/**
 * Link that fails every operation at once while `navigator.onLine` is false, instead of waiting
 * for the request to fail. Watched queries keep the data they already have (from the persisted
 * cache after an offline reload), and mutations reject with an `OfflineError` that the pages
 * show. The pages also disable their mutation buttons offline, so this is the backstop.
 */
export function createOfflineLink(): ApolloLink {
  return new ApolloLink((operation, forward) => {
    if (navigator.onLine) {
      return forward(operation);
    }
    return throwError(() => new OfflineError(operation.operationType));
  });
}

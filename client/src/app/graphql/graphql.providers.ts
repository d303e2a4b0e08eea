import { EnvironmentProviders, Provider, inject } from '@angular/core';
import { provideHttpClient } from '@angular/common/http';
import { ApolloLink, InMemoryCache } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { ErrorLink } from '@apollo/client/link/error';
import { relayStylePagination } from '@apollo/client/utilities';
import { provideApollo } from 'apollo-angular';
import { HttpLink } from 'apollo-angular/http';

import { hasErrorCode } from '../core/error-messages';
import { SessionStore } from '../core/session.store';
import { ApolloCachePersistence } from './apollo-cache-persistence';
import { createOfflineLink } from './offline.link';

/** Same origin as the app: the API serves both the PWA and `/graphql`. */
const GRAPHQL_PATH = '/graphql';

/** Context key containing the token that an operation was sent with. */
const SENT_TOKEN = 'sentToken';

/**
 * Apollo Client over Angular's HttpClient. HttpClient keeps its default XMLHttpRequest
 * backend, and queries go out as JSON POSTs, which Apollo Server's CSRF prevention accepts.
 */
export function provideGraphQL(): (Provider | EnvironmentProviders)[] {
  return [
    provideHttpClient(),
    provideApollo(() => {
      const httpLink = inject(HttpLink);
      const session = inject(SessionStore);
      const persistence = inject(ApolloCachePersistence);

      const cache = createCache();
      persistence.restore(cache);

      const authLink = new SetContextLink(() => {
        const token = session.token();
        return token ? { headers: { Authorization: `Bearer ${token}` }, [SENT_TOKEN]: token } : {};
      });

      // A token that the API no longer accepts ends the session, and AuthService reacts to the change.
      const sessionEndLink = new ErrorLink(({ error, operation }) => {
        const sentToken: unknown = operation.getContext()[SENT_TOKEN];
        if (sentToken && sentToken === session.token() && hasErrorCode(error, 'UNAUTHENTICATED')) {
          session.clear();
        }
      });

      return {
        cache,
        link: ApolloLink.from([
          persistence.createLink(),
          createOfflineLink(),
          sessionEndLink,
          authLink,
          httpLink.create({ uri: GRAPHQL_PATH }),
        ]),
      };
    }),
  ];
}

function createCache(): InMemoryCache {
  return new InMemoryCache({
    typePolicies: {
      Query: {
        fields: {
          images: relayStylePagination(['filter']),
          // Lets the detail page render at once from an image the gallery already loaded.
          image: {
            read(existing, { args, toReference }) {
              if (existing !== undefined || typeof args?.['id'] !== 'string') {
                return existing;
              }
              return toReference({ __typename: 'Image', id: args['id'] });
            },
          },
        },
      },
    },
  });
}

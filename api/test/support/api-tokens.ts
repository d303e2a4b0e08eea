import type { ApiToken, ApiTokenScope } from './generated';
import type { GraphQLResponse, TestApi } from './test-api';

export const CREATE_API_TOKEN = `
  mutation ($input: CreateApiTokenInput!) {
    createApiToken(input: $input) {
      secret
      token { id name scopes createdAt expiresAt revokedAt lastUsedAt active }
    }
  }`;

export const REVOKE_API_TOKEN = `mutation ($id: ID!) { revokeApiToken(id: $id) { id active revokedAt } }`;

export const API_TOKENS = `
  query ($first: Int, $after: String, $userId: ID) {
    apiTokens(first: $first, after: $after, userId: $userId) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id name scopes active revokedAt expiresAt lastUsedAt owner { id } } }
    }
  }`;

export interface CreatedToken {
  secret: string;
  token: Pick<ApiToken, 'id' | 'name' | 'scopes' | 'createdAt' | 'expiresAt' | 'revokedAt' | 'lastUsedAt' | 'active'>;
}

/** Creates an API token with the given bearer (a session token, or an API token with tokens:manage). */
export async function createApiToken(
  api: TestApi,
  bearer: string,
  scopes: ApiTokenScope[],
  options: { name?: string; expiresAt?: string } = {},
): Promise<CreatedToken> {
  const result = await api.gql<{ createApiToken: CreatedToken }>(
    CREATE_API_TOKEN,
    { input: { name: options.name ?? 'test client', scopes, expiresAt: options.expiresAt } },
    bearer,
  );
  if (!result.data) throw new Error(`createApiToken failed: ${JSON.stringify(result.errors)}`);
  return result.data.createApiToken;
}

/** Runs SQL against the test API's own database, to check what a request did or did not change. */
export async function sql<T = Record<string, unknown>>(api: TestApi, query: string, params: unknown[] = []): Promise<T[]> {
  return api.sidestep.orm.em.fork().getConnection().execute(query, params);
}

/** Returns the single error of a response, and throws with the whole response when there is not exactly one. */
export function onlyError(response: GraphQLResponse): NonNullable<GraphQLResponse['errors']>[number] {
  if (response.errors?.length !== 1) throw new Error(`Expected exactly one error, got ${JSON.stringify(response)}`);
  return response.errors[0];
}

/** Polls `condition` every `intervalMs` until it holds, failing after `timeoutMs`. */
export async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs = 10_000, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

interface Usage {
  limit: number;
  remaining: number;
  resetAt: string;
}

/** `extensions.limits` of a response; the budget fields appear only for API tokens. */
export interface LimitsExtension {
  cost?: number;
  maxCost?: number;
  depth?: number;
  maxDepth?: number;
  aliases?: number;
  maxAliases?: number;
  requests?: Usage;
  userRequests?: Usage;
  viewUrls?: Usage & { withheld: number };
}

export interface FullResponse<T> extends GraphQLResponse<T> {
  headers: Headers;
  extensions?: { limits?: LimitsExtension };
}

/** Like `api.gql`, but also returns the response headers and `extensions`. */
export async function post<T = Record<string, any>>(
  api: TestApi,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<FullResponse<T>> {
  const response = await fetch(`${api.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, ...((await response.json()) as object) };
}

import type { ApolloServerPlugin, GraphQLRequestContextDidResolveOperation, GraphQLRequestContextWillSendResponse } from '@apollo/server';
import { Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import type { Config } from '../../config/config';
import type { RequestContext } from '../../context';
import { AppError } from '../../errors/app-error';
import { rootFieldDenial } from '../../modules/tokens/scopes';
import { analyzeOperation, type QueryAnalysis } from './query-analysis';
import { ViewUrlBudget } from './view-url-budget';
import { WindowCounter, type WindowCount } from './window-counter';

/** Measurements and reservations of one request, carried from the checks to the response. */
interface RequestLimits {
  analysis?: QueryAnalysis;
  /** HTTP status of a refused request. */
  status?: number;
  retryAfterSeconds?: number;
  requests?: WindowCount;
  userRequests?: WindowCount;
  viewUrls?: { key: string; reserved: number; count: WindowCount };
}

interface Usage {
  limit: number;
  remaining: number;
  resetAt: string;
}

/**
 * Enforces the limits of every GraphQL operation after it is parsed and
 * validated and before any resolver runs, so a refused operation changes
 * nothing:
 *
 * 1. a rejected API token fails with UNAUTHENTICATED (HTTP 401);
 * 2. an API token may call only the root fields its scopes allow (FORBIDDEN, 403);
 * 3. depth, aliases and cost stay within QUERY_MAX_* (QUERY_TOO_*, 400);
 * 4. API tokens stay within their request rate, per token and per user (RATE_LIMITED, 429);
 * 5. an API token's request reserves view URLs from the token's budget.
 *
 * Every response carries `extensions.limits` with the measured cost and, for
 * API tokens, what is left of each budget.
 */
export function createLimitsPlugin(config: Config): ApolloServerPlugin<RequestContext> {
  const counter = new WindowCounter();

  return {
    async requestDidStart() {
      const limits: RequestLimits = {};
      return {
        async didResolveOperation(request) {
          await enforce(config, counter, request, limits);
        },
        async willSendResponse(request) {
          await settle(config, counter, request, limits);
        },
      };
    },
  };
}

async function enforce(
  config: Config,
  counter: WindowCounter,
  request: GraphQLRequestContextDidResolveOperation<RequestContext>,
  limits: RequestLimits,
): Promise<void> {
  const ctx = request.contextValue;
  if (ctx.credentialError) {
    limits.status = 401;
    ctx.logger.info({ event: 'limits.credentials_rejected', reason: ctx.credentialError.extensions.reason });
    throw ctx.credentialError;
  }
  const operation = request.operation;
  // Without a resolvable operation graphql-js refuses to execute, so there is nothing to limit.
  if (!operation) return;

  const fragments = fragmentsOf(request.document);
  const viewer = ctx.viewer;
  if (viewer?.tokenId) {
    const rootType = request.schema.getRootType(operation.operation)?.name ?? operation.operation;
    const denial = rootFieldDenial(viewer, rootType, rootFieldNames(operation, fragments));
    if (denial) {
      limits.status = 403;
      ctx.logger.info({ event: 'limits.scope_denied', tokenId: viewer.tokenId, field: denial.extensions.field });
      throw denial;
    }
  }

  const analysis = analyzeOperation(request.schema, operation, fragments, request.request.variables ?? {});
  limits.analysis = analysis;
  const refusal = queryRefusal(config, analysis);
  if (refusal) {
    limits.status = 400;
    ctx.logger.info({ event: 'limits.query_refused', code: refusal.code, depth: analysis.depth, cost: analysis.cost, aliases: analysis.aliases });
    throw refusal;
  }

  if (viewer?.tokenId) {
    await consumeRequest(config, counter, ctx, viewer.userId, viewer.tokenId, limits);
    await reserveViewUrls(config, counter, ctx, viewer.tokenId, analysis.viewUrlFields, limits);
  }
}

function queryRefusal(config: Config, analysis: QueryAnalysis): AppError | null {
  const { maxDepth, maxCost, maxAliases } = config.query;
  if (analysis.depth > maxDepth) {
    return new AppError(
      'QUERY_TOO_DEEP',
      `The operation nests fields ${analysis.depth} levels deep; the limit is ${maxDepth}. Select fewer nested fields.`,
      { depth: analysis.depth, maxDepth },
    );
  }
  if (analysis.aliases > maxAliases) {
    return new AppError(
      'QUERY_TOO_MANY_ALIASES',
      `The operation selects ${analysis.aliases} aliased fields; the limit is ${maxAliases}. Send fewer aliases, or use a list field such as images.`,
      { aliases: analysis.aliases, maxAliases },
    );
  }
  if (analysis.nestedIntrospectionList) {
    return new AppError(
      'QUERY_TOO_COMPLEX',
      `The operation selects the introspection list ${analysis.nestedIntrospectionList} inside itself, which multiplies the response. ` +
        'Select each introspection list once per path, as the standard introspection query does.',
      { field: analysis.nestedIntrospectionList },
    );
  }
  if (analysis.cost > maxCost) {
    return new AppError(
      'QUERY_TOO_COMPLEX',
      `The operation costs ${analysis.cost}; the limit is ${maxCost}. Ask for smaller pages with first, or for fewer url fields.`,
      { cost: analysis.cost, maxCost },
    );
  }
  return null;
}

async function consumeRequest(
  config: Config,
  counter: WindowCounter,
  ctx: RequestContext,
  userId: string,
  tokenId: string,
  limits: RequestLimits,
): Promise<void> {
  const { rateLimit, userRateLimit, rateWindowSeconds } = config.tokens;
  limits.requests = await counter.add(ctx.em, `api:token:${tokenId}`, 1, rateWindowSeconds);
  if (limits.requests.count > rateLimit) throw rateLimited(limits, limits.requests, rateLimit, rateWindowSeconds, 'this API token');

  limits.userRequests = await counter.add(ctx.em, `api:user:${userId}`, 1, rateWindowSeconds);
  if (limits.userRequests.count > userRateLimit) {
    throw rateLimited(limits, limits.userRequests, userRateLimit, rateWindowSeconds, "all of this user's API tokens together");
  }
}

function rateLimited(limits: RequestLimits, count: WindowCount, limit: number, windowSeconds: number, who: string): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil((count.resetAt.getTime() - Date.now()) / 1000));
  limits.status = 429;
  limits.retryAfterSeconds = retryAfterSeconds;
  return new AppError(
    'RATE_LIMITED',
    `Too many requests from ${who}: the limit is ${limit} per ${windowSeconds} s. Retry in ${retryAfterSeconds} s.`,
    { retryAfterSeconds, limit, windowSeconds, resetAt: count.resetAt.toISOString() },
  );
}

/**
 * Reserves as many view URLs as the operation could mint, up to what is left
 * of the budget. Adding to the counter and reading its new value is one
 * atomic statement, so the value before this request is `count - reserved`
 * even when requests of the same token run in parallel.
 */
async function reserveViewUrls(
  config: Config,
  counter: WindowCounter,
  ctx: RequestContext,
  tokenId: string,
  upperBound: number,
  limits: RequestLimits,
): Promise<void> {
  const { viewUrlBudget, viewUrlWindowSeconds } = config.tokens;
  const key = `view:token:${tokenId}`;
  const count = await counter.add(ctx.em, key, upperBound, viewUrlWindowSeconds);
  const before = count.count - upperBound;
  const allowance = Math.max(0, Math.min(upperBound, viewUrlBudget - before));
  limits.viewUrls = { key, reserved: upperBound, count };
  ctx.viewUrlBudget = new ViewUrlBudget(allowance, viewUrlBudget, viewUrlWindowSeconds, count.resetAt);
}

/** Gives back unused view URLs, sets the HTTP status of a refusal and adds `extensions.limits`. */
async function settle(
  config: Config,
  counter: WindowCounter,
  request: GraphQLRequestContextWillSendResponse<RequestContext>,
  limits: RequestLimits,
): Promise<void> {
  const ctx = request.contextValue;
  const response = request.response;
  if (limits.status) response.http.status = limits.status;
  if (limits.retryAfterSeconds) response.http.headers.set('retry-after', String(limits.retryAfterSeconds));

  let viewUrls: (Usage & { withheld: number }) | undefined;
  if (limits.viewUrls && ctx.viewUrlBudget) {
    const budget = ctx.viewUrlBudget;
    const { key, reserved, count } = limits.viewUrls;
    let used = count.count;
    const unused = reserved - budget.used;
    if (unused > 0) {
      try {
        used = (await counter.subtract(ctx.em, key, unused, count.windowStart)) ?? 0;
      } catch (error) {
        // The reservation lapses with its window; the response itself is unaffected.
        ctx.logger.warn({ event: 'limits.view_url_refund_failed', err: error, unused });
        used = count.count;
      }
    }
    viewUrls = { ...usage(config.tokens.viewUrlBudget, used, count.resetAt), withheld: budget.withheld };
  }

  // Nothing was measured when the credentials were rejected or no operation matched.
  if (response.body.kind !== 'single' || !limits.analysis) return;
  const result = response.body.singleResult;
  result.extensions = {
    ...result.extensions,
    limits: {
      cost: limits.analysis.cost,
      maxCost: config.query.maxCost,
      depth: limits.analysis.depth,
      maxDepth: config.query.maxDepth,
      aliases: limits.analysis.aliases,
      maxAliases: config.query.maxAliases,
      ...(limits.requests && { requests: usage(config.tokens.rateLimit, limits.requests.count, limits.requests.resetAt) }),
      ...(limits.userRequests && {
        userRequests: usage(config.tokens.userRateLimit, limits.userRequests.count, limits.userRequests.resetAt),
      }),
      ...(viewUrls && { viewUrls }),
    },
  };
}

function usage(limit: number, used: number, resetAt: Date): Usage {
  return { limit, remaining: Math.max(0, limit - used), resetAt: resetAt.toISOString() };
}

function fragmentsOf(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  return fragments;
}

/** Names of the root fields an operation selects, looking through fragments. */
function rootFieldNames(operation: OperationDefinitionNode, fragments: Record<string, FragmentDefinitionNode>): Set<string> {
  const names = new Set<string>();
  const visited = new Set<string>();
  const collect = (selections: OperationDefinitionNode['selectionSet']['selections']) => {
    for (const selection of selections) {
      if (selection.kind === Kind.FIELD) names.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet.selections);
      else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        const fragment = fragments[selection.name.value];
        if (fragment) collect(fragment.selectionSet.selections);
      }
    }
  };
  collect(operation.selectionSet.selections);
  return names;
}

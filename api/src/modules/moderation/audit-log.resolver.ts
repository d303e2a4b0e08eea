import { Arg, Args, Ctx, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../context';
import { AuditLogConnection, AuditLogEntry, AuditLogFilter, ListPageArgs } from './moderation.types';

@Resolver()
export class AuditLogResolver {
  @Query(() => AuditLogConnection, { description: 'Moderation decisions and admin changes, newest first. Admins only.' })
  async auditLog(
    @Args() page: ListPageArgs,
    @Arg('filter', () => AuditLogFilter, { nullable: true }) filter: AuditLogFilter | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<AuditLogConnection> {
    const result = await ctx.services.auditLog.list(ctx, page, filter ?? {});
    return {
      edges: result.edges.map((edge) => ({ cursor: edge.cursor, node: AuditLogEntry.from(edge.node) })),
      pageInfo: { hasNextPage: result.hasNextPage, endCursor: result.endCursor },
      totalCount: result.totalCount,
    };
  }
}

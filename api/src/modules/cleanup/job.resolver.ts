import { Arg, Args, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../context';
import { JobName } from '../../jobs/schedules';
import {
  JobPageArgs,
  JobRunConnection,
  JobRunType,
  JobType,
  MissingObjectConnection,
  MissingObjectType,
  RunJobInput,
  RunJobPayload,
} from './job.types';

/** Admin operations on background jobs; the service checks the permission. */
@Resolver()
export class JobResolver {
  @Query(() => [JobType], { description: 'Every background job with its schedule and latest run. Admins only.' })
  async jobs(@Ctx() ctx: RequestContext): Promise<JobType[]> {
    return (await ctx.services.jobAdmin.listJobs(ctx)).map((summary) => JobType.from(summary));
  }

  @Query(() => JobRunConnection, { description: 'Job runs of every replica, newest first. Admins only.' })
  async jobRuns(
    @Args() page: JobPageArgs,
    @Arg('job', () => JobName, { nullable: true, description: 'Only runs of this job.' }) job: JobName | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<JobRunConnection> {
    const runs = await ctx.services.jobAdmin.listRuns(ctx, page, job);
    return {
      edges: runs.edges.map((edge) => ({ cursor: edge.cursor, node: JobRunType.from(edge.node) })),
      pageInfo: { hasNextPage: runs.hasNextPage, endCursor: runs.endCursor },
      totalCount: runs.totalCount,
    };
  }

  @Query(() => MissingObjectConnection, {
    description: 'Confirmed images whose object the last reconcile pass could not find in storage. Admins only.',
  })
  async missingObjects(@Args() page: JobPageArgs, @Ctx() ctx: RequestContext): Promise<MissingObjectConnection> {
    const missing = await ctx.services.jobAdmin.listMissingObjects(ctx, page);
    return {
      edges: missing.edges.map((edge) => ({ cursor: edge.cursor, node: MissingObjectType.from(edge.node) })),
      pageInfo: { hasNextPage: missing.hasNextPage, endCursor: missing.endCursor },
      totalCount: missing.totalCount,
    };
  }

  @Mutation(() => RunJobPayload, {
    description: 'Runs a background job now on the replica that receives the request and returns when it finished. Admins only.',
  })
  async runJob(@Arg('input') input: RunJobInput, @Ctx() ctx: RequestContext): Promise<RunJobPayload> {
    return RunJobPayload.from(await ctx.services.jobAdmin.runJob(ctx, input.job));
  }
}

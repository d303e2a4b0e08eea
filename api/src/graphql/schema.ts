import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { AdminResolver } from '../modules/admin/admin.resolver';
import { UserPermissionsResolver } from '../modules/admin/user-permissions.resolver';
import { AuthResolver } from '../modules/auth/auth.resolver';
import { JobResolver } from '../modules/cleanup/job.resolver';
import { ImageResolver } from '../modules/images/image.resolver';
import { ApiTokenResolver } from '../modules/tokens/api-token.resolver';
import { AuditLogResolver } from '../modules/moderation/audit-log.resolver';
import { ImageModerationResolver } from '../modules/moderation/image-moderation.resolver';
import { ModerationResolver } from '../modules/moderation/moderation.resolver';
import { UserResolver } from '../modules/users/user.resolver';

export const RESOLVERS = [
  AuthResolver,
  UserResolver,
  ImageResolver,
  ApiTokenResolver,
  ModerationResolver,
  ImageModerationResolver,
  AuditLogResolver,
  AdminResolver,
  UserPermissionsResolver,
  JobResolver,
] as const;

/** Builds the executable schema. Input validation is on; type-graphql 2 leaves it off by default. */
export function createSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: RESOLVERS,
    validate: { forbidUnknownValues: false, validationError: { target: false, value: false } },
  });
}

import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { AuthResolver } from '../modules/auth/auth.resolver';
import { ImageResolver } from '../modules/images/image.resolver';
import { UserResolver } from '../modules/users/user.resolver';

export const RESOLVERS = [AuthResolver, UserResolver, ImageResolver] as const;

/** Builds the executable schema. Input validation is on; type-graphql 2 leaves it off by default. */
export function createSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: RESOLVERS,
    validate: { forbidUnknownValues: false, validationError: { target: false, value: false } },
  });
}

import { isObjectType } from 'graphql';
import type { Viewer } from '../../context';
import { createSchema } from '../../graphql/schema';
import { ALL_SCOPES, Role, Scope, scopesForRole } from '../auth/roles';
import { ROOT_FIELD_SCOPES, rootFieldDenial } from './scopes';

const tokenViewer = (scopes: Scope[]): Viewer => ({ userId: 'u', role: Role.USER, tokenId: 't', scopes });

describe('ROOT_FIELD_SCOPES', () => {
  it('names only root fields that exist', async () => {
    const schema = await createSchema();
    const existing = new Set<string>();
    for (const root of [schema.getQueryType(), schema.getMutationType()]) {
      if (root && isObjectType(root)) for (const name of Object.keys(root.getFields())) existing.add(`${root.name}.${name}`);
    }
    const stale = Object.keys(ROOT_FIELD_SCOPES).filter((coordinate) => !existing.has(coordinate));
    // A renamed or removed root field must be renamed or removed here too.
    expect(stale).toEqual([]);
  });
});

describe('rootFieldDenial', () => {
  it('allows fields the scopes cover', () => {
    expect(rootFieldDenial(tokenViewer([Scope.IMAGES_READ]), 'Query', ['viewer', 'images', '__typename'])).toBeNull();
  });

  it('names the missing scope', () => {
    const denial = rootFieldDenial(tokenViewer([Scope.IMAGES_READ]), 'Mutation', ['requestUpload']);
    expect(denial?.extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'images:write', field: 'requestUpload' });
  });

  it('closes fields that are not listed', () => {
    const denial = rootFieldDenial(tokenViewer([...ALL_SCOPES]), 'Mutation', ['someFutureField']);
    expect(denial?.extensions).toMatchObject({ code: 'FORBIDDEN', field: 'someFutureField' });
  });
});

describe('scopesForRole', () => {
  it('gives users no admin or moderation scopes', () => {
    expect(scopesForRole(Role.USER).sort()).toEqual([Scope.IMAGES_READ, Scope.IMAGES_WRITE, Scope.TOKENS_MANAGE].sort());
  });

  it('gives admins every scope', () => {
    expect(scopesForRole(Role.ADMIN).sort()).toEqual([...ALL_SCOPES].sort());
  });
});

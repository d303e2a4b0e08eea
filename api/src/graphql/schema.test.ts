import { readFileSync } from 'node:fs';
import { printSidestepSchema, SCHEMA_FILE } from './emit-schema';

describe('committed schema', () => {
  it('matches the schema the resolvers build', async () => {
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    const built = await printSidestepSchema();
    // On failure run `npm run schema:emit` and commit schema/schema.graphql.
    expect(built).toBe(committed);
  });

  it('describes every type and field', async () => {
    const { createSchema } = await import('./schema');
    const schema = await createSchema();
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Boolean', 'Int', 'Float', 'ID'].includes(type.name)) continue;
      // type-graphql cannot describe the root operation types; their fields are checked below.
      if (!type.description && !['Query', 'Mutation'].includes(type.name)) missing.push(type.name);
      if ('getFields' in type) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});

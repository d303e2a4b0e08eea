import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { createSchema } from './schema';

/** Location of the committed SDL that third parties generate clients from. */
export const SCHEMA_FILE = path.resolve(__dirname, '../../../schema/schema.graphql');

/** Prints the schema in a stable order, so the committed file changes only when the API does. */
export async function printSidestepSchema(): Promise<string> {
  return printSchema(lexicographicSortSchema(await createSchema())) + '\n';
}

if (require.main === module) {
  printSidestepSchema().then((sdl) => {
    writeFileSync(SCHEMA_FILE, sdl);
    process.stdout.write(`Wrote ${path.relative(process.cwd(), SCHEMA_FILE)}\n`);
  });
}

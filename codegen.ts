import { existsSync } from 'node:fs';
import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed clients generated from the committed SDL, which `npm run schema:emit`
 * writes from the resolvers. Run `npm run codegen` after the schema or the
 * client's operations change; `npm run codegen:check` fails when an output is stale.
 */
const CLIENT_OPERATIONS = 'client/src/app/graphql/operations.ts';

const typesConfig = {
  // DateTimeISO travels as an ISO 8601 string.
  scalars: { DateTimeISO: 'string' },
  // String unions need no runtime code and accept the literals the API returns.
  enumsAsTypes: true,
  useTypeImports: true,
};

const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  ignoreNoDocuments: true,
  generates: {
    // typescript-operations 6 emits the enums and inputs its operations use, so it runs without the
    // typescript plugin, whose output would declare them twice. Without operations the client gets the schema types.
    'client/src/app/graphql/generated.ts': existsSync(CLIENT_OPERATIONS)
      ? { documents: [CLIENT_OPERATIONS], plugins: ['typescript-operations', 'typed-document-node'], config: typesConfig }
      : { plugins: ['typescript'], config: typesConfig },
    'api/test/support/generated.ts': {
      plugins: ['typescript'],
      config: typesConfig,
    },
  },
};

export default config;

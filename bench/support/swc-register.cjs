// Lets Node run the benchmarks' TypeScript directly: `node -r ./bench/support/swc-register.cjs bench/run.ts`.
// Each .ts file outside node_modules is compiled with SWC on require, using the
// same options as the Jest transform in jest.config.js (CommonJS, legacy
// decorators with metadata for type-graphql). SWC does not type-check; run
// `npm run typecheck` for that. Relative imports written as "./x.js", which
// NodeNext module resolution requires in the API's sources, load "./x.ts".
'use strict';

const fs = require('node:fs');
const Module = require('node:module');
const { transformSync } = require('@swc/core');

const OPTIONS = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

process.setSourceMapsEnabled(true);

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, { ...OPTIONS, filename });
  module._compile(code, filename);
};

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolveTypeScriptFor(request, parent, ...rest) {
  try {
    return resolveFilename.call(this, request, parent, ...rest);
  } catch (error) {
    if (!/^\.\.?\//.test(request) || !request.endsWith('.js')) throw error;
    return resolveFilename.call(this, `${request.slice(0, -3)}.ts`, parent, ...rest);
  }
};

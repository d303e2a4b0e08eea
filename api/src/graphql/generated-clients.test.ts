import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

describe('generated GraphQL clients', () => {
  it('match the committed schema and client operations', () => {
    const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/.bin/graphql-codegen'), '--config', 'codegen.ts', '--check'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 50_000,
    });
    // On failure run `npm run codegen` and commit the regenerated files.
    expect({ status: result.status, output: result.status === 0 ? '' : `${result.stdout}${result.stderr}` }).toEqual({ status: 0, output: '' });
  });
});

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ERROR_CATALOGUE } from '../src/errors/app-error';
import { sql } from './support/api-tokens';
import { cameraJpeg, CONFIRM_UPLOAD, putToStorage, requestGrant } from './support/fixtures';
import { startTestApi, type TestApi } from './support/test-api';

const DOC_FILE = path.resolve(__dirname, '../../docs/THIRD_PARTY.md');
/** Values of the doc's set-up block. The test signs up this account and replaces the URL with its own. */
const DOC_URL = 'http://localhost:4000';
const DOC_EMAIL = 'you@example.com';
const DOC_PASSWORD = 'correct horse battery staple';
const STEP_TIMEOUT_MS = 20_000;

interface CodeBlock {
  language: string;
  code: string;
}

/** Returns the text under a `## heading`, up to the next heading of that level. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`docs/THIRD_PARTY.md has no "## ${heading}" section`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
}

function codeBlocks(markdown: string): CodeBlock[] {
  return [...markdown.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map((match) => ({ language: match[1], code: match[2] }));
}

interface StepResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * One bash process that runs the doc's shell blocks one after another, so
 * variables and functions carry over from step to step as in a reader's
 * terminal. `set -e` ends the shell at the first failing command.
 */
class Shell {
  private readonly process: ChildProcessWithoutNullStreams;
  private stdout = '';
  private stderr = '';
  private exitCode: number | null = null;
  private notify: () => void = () => undefined;

  constructor(cwd: string, env: NodeJS.ProcessEnv) {
    this.process = spawn('bash', ['--noprofile', '--norc'], { cwd, env });
    this.process.stdout.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
      this.notify();
    });
    this.process.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.process.on('exit', (code) => {
      this.exitCode = code ?? 1;
      this.notify();
    });
    this.process.stdin.write('set -eo pipefail\n');
  }

  run(script: string): Promise<StepResult> {
    const marker = `@@step-done-${Math.random().toString(36).slice(2)}@@`;
    this.stdout = '';
    this.stderr = '';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Step timed out; stderr so far:\n${this.stderr}`)), STEP_TIMEOUT_MS);
      this.notify = () => {
        const at = this.stdout.indexOf(marker);
        if (at >= 0) {
          clearTimeout(timer);
          resolve({ exitCode: 0, stdout: this.stdout.slice(0, at), stderr: this.stderr });
        } else if (this.exitCode !== null) {
          clearTimeout(timer);
          resolve({ exitCode: this.exitCode, stdout: this.stdout, stderr: this.stderr });
        }
      };
      this.process.stdin.write(`${script}\nprintf '\\n%s\\n' '${marker}'\n`);
    });
  }

  close(): void {
    if (this.exitCode === null) this.process.kill();
  }
}

/** Runs a step and fails with its output when the shell stopped. */
async function runStep(shell: Shell, script: string): Promise<string> {
  const result = await shell.run(script);
  if (result.exitCode !== 0) {
    throw new Error(`The step exited with ${result.exitCode}:\n${script}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
  return result.stdout;
}

/** Returns the environment of a reader's shell: the tests' own, without SIDESTEP_* variables or Node options. */
function readerEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('SIDESTEP_') && name !== 'NODE_OPTIONS') env[name] = value;
  }
  return env;
}

describe('third-party quick start', () => {
  let api: TestApi;
  let doc: string;
  let userId: string;
  let approvedImageId: string;
  let photo: Buffer;
  const workDirs: string[] = [];

  /** Creates a directory with the photo.jpg that the quick start uploads. */
  const newWorkDir = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sidestep-quick-start-'));
    writeFileSync(path.join(dir, 'photo.jpg'), photo);
    workDirs.push(dir);
    return dir;
  };
  const asWritten = (code: string) => code.replaceAll(DOC_URL, api.url);

  beforeAll(async () => {
    doc = readFileSync(DOC_FILE, 'utf8');
    api = await startTestApi();
    photo = await cameraJpeg(320, 240);

    const signUp = await api.gql(
      'mutation ($input: SignUpInput!) { signUp(input: $input) { token user { id } } }',
      { input: { email: DOC_EMAIL, password: DOC_PASSWORD, displayName: 'Quick start' } },
    );
    const session = signUp.data!.signUp.token as string;
    userId = signUp.data!.signUp.user.id;

    // One approved image for the listing step: private images are approved at confirm.
    const grant = await requestGrant(api, session, { filename: 'seed.jpg', contentType: 'image/jpeg', byteSize: photo.length });
    await putToStorage(grant, photo);
    await api.gql(CONFIRM_UPLOAD, { id: grant.image.id }, session);
    approvedImageId = grant.image.id;
  });

  afterAll(async () => {
    await api.stop();
    for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('sets the variables this test assumes', () => {
    const [setUp] = codeBlocks(section(doc, 'Before you start'));
    expect(setUp.code).toContain(`SIDESTEP_URL=${DOC_URL}`);
    expect(setUp.code).toContain(`SIDESTEP_EMAIL=${DOC_EMAIL}`);
    expect(setUp.code).toContain(`SIDESTEP_PASSWORD='${DOC_PASSWORD}'`);
  });

  describe('with curl', () => {
    let shell: Shell;
    let workDir: string;
    let steps: CodeBlock[];

    beforeAll(() => {
      workDir = newWorkDir();
      shell = new Shell(workDir, readerEnvironment());
      steps = codeBlocks(section(doc, 'Quick start with curl'));
    });

    afterAll(() => shell.close());

    it('has a helper and five steps', () => {
      expect(steps.map((block) => block.language)).toEqual(['sh', 'sh', 'sh', 'sh', 'sh', 'sh']);
    });

    it('sets up the shell', async () => {
      await runStep(shell, asWritten(codeBlocks(section(doc, 'Before you start'))[0].code));
      await runStep(shell, asWritten(steps[0].code));
    });

    it('1. creates a token', async () => {
      const output = await runStep(shell, asWritten(steps[1].code));
      expect(output.trim()).toMatch(/^sst_pat_[\w-]{43}$/);

      const rows = await sql<{ scopes: string[] }>(api, `select scopes from api_tokens where user_id = ? and name = 'quick start'`, [userId]);
      expect(rows).toHaveLength(1);
      expect(rows[0].scopes).toEqual(['images:read', 'images:write']);
    });

    it('2. lists approved images', async () => {
      const output = JSON.parse(await runStep(shell, asWritten(steps[2].code)));
      const nodes = output.images.edges.map((edge: { node: { id: string; url: string } }) => edge.node);
      expect(nodes.map((node: { id: string }) => node.id)).toContain(approvedImageId);
      expect(nodes.every((node: { url: string }) => node.url.startsWith('http'))).toBe(true);
      expect(output.limits.requests.remaining).toBeLessThan(output.limits.requests.limit);
    });

    it('3. requests a grant', async () => {
      const output = JSON.parse(await runStep(shell, asWritten(steps[3].code)));
      expect(output.method).toBe('PUT');
      const [row] = await sql<{ status: string; byte_size: string }>(api, 'select status, byte_size from images where id = ?', [output.image.id]);
      expect(row.status).toBe('PENDING_UPLOAD');
      expect(Number(row.byte_size)).toBe(photo.length);
    });

    it('4. uploads straight to storage', async () => {
      await runStep(shell, asWritten(steps[4].code));
      const grant = JSON.parse(readFileSync(path.join(workDir, 'grant.json'), 'utf8'));
      const stored = await api.sidestep.storage.head(`incoming/${grant.data.requestUpload.image.id}`);
      expect(stored?.size).toBe(photo.length);
    });

    it('5. confirms the upload', async () => {
      const output = JSON.parse(await runStep(shell, asWritten(steps[5].code)));
      expect(output).toMatchObject({ status: 'APPROVED', width: 320, height: 240 });
      expect(output.url).toMatch(/^http/);
      const [row] = await sql<{ status: string }>(api, 'select status from images where id = ?', [output.id]);
      expect(row.status).toBe('APPROVED');
    });
  });

  describe('with Node', () => {
    let shell: Shell;
    let workDir: string;
    let commands: string[];

    beforeAll(() => {
      workDir = newWorkDir();
      shell = new Shell(workDir, readerEnvironment());
      const blocks = codeBlocks(section(doc, 'Quick start with Node'));
      for (const block of blocks.filter((candidate) => candidate.language === 'js')) {
        const name = block.code.match(/^\/\/ file: (\S+)\n/)?.[1];
        if (!name) throw new Error(`A js block of the Node quick start does not start with "// file: NAME":\n${block.code}`);
        writeFileSync(path.join(workDir, name), asWritten(block.code));
      }
      const runBlocks = blocks.filter((candidate) => candidate.language === 'sh');
      commands = runBlocks.flatMap((block) => block.code.split('\n').filter((line) => line.trim() !== ''));
    });

    afterAll(() => shell.close());

    it('saves the client and three scripts', () => {
      for (const name of ['sidestep.mjs', 'create-token.mjs', 'list-images.mjs', 'upload.mjs']) {
        expect(existsSync(path.join(workDir, name))).toBe(true);
      }
      expect(commands).toHaveLength(3);
    });

    it('1. creates a token', async () => {
      await runStep(shell, asWritten(codeBlocks(section(doc, 'Before you start'))[0].code));
      await runStep(shell, commands[0]);
      // A check of this test, not a step of the doc: the secret reached the shell.
      expect((await runStep(shell, 'printf %s "$SIDESTEP_TOKEN"')).trim()).toMatch(/^sst_pat_[\w-]{43}$/);
      const rows = await sql(api, `select id from api_tokens where user_id = ? and name = 'quick start (Node)'`, [userId]);
      expect(rows).toHaveLength(1);
    });

    it('2. lists approved images', async () => {
      const output = await runStep(shell, commands[1]);
      expect(output).toContain(approvedImageId);
      expect(output).toMatch(/requests left in this window: \d+/);
    });

    it('3 to 5. requests a grant, uploads and confirms', async () => {
      const lines = (await runStep(shell, commands[2])).trim().split('\n');
      expect(lines).toHaveLength(3);
      const granted = lines[0].match(/^granted (\S+) until \S+$/);
      expect(granted).not.toBeNull();
      expect(lines[1]).toBe(`uploaded ${photo.length} bytes`);
      expect(lines[2]).toBe(`confirmed ${granted![1]} APPROVED`);
      const [row] = await sql<{ status: string; width: number }>(api, 'select status, width from images where id = ?', [granted![1]]);
      expect(row).toEqual({ status: 'APPROVED', width: 320 });
    });
  });

  describe('error catalogue', () => {
    const rows = () => {
      const table = section(doc, 'Error codes');
      return [...table.matchAll(/^\| `([A-Z_]+)` \| (\w+) \| (.+) \|$/gm)].map((match) => ({
        code: match[1],
        category: match[2],
        description: match[3],
      }));
    };

    it('documents every code with its category and description', () => {
      const documented = new Map(rows().map((row) => [row.code, row]));
      const missing = Object.entries(ERROR_CATALOGUE)
        .filter(([code, entry]) => {
          const row = documented.get(code);
          return !row || row.category !== entry.category || row.description !== entry.description;
        })
        .map(([code, entry]) => `| \`${code}\` | ${entry.category} | ${entry.description} |`);
      // On failure, add or correct these rows in the "Error codes" table of docs/THIRD_PARTY.md.
      expect(missing).toEqual([]);
    });

    it('documents no code the catalogue lacks', () => {
      const unknown = rows()
        .map((row) => row.code)
        .filter((code) => !(code in ERROR_CATALOGUE));
      expect(unknown).toEqual([]);
    });
  });

  describe('browser rules', () => {
    it('refuses a simple POST without a preflight header', async () => {
      const response = await fetch(`${api.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(response.status).toBe(400);
    });

    it('accepts a GET with apollo-require-preflight', async () => {
      const url = `${api.url}/graphql?query=${encodeURIComponent('{ __typename }')}`;
      expect((await fetch(url)).status).toBe(400);
      const allowed = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
      expect(allowed.status).toBe(200);
      expect(await allowed.json()).toMatchObject({ data: { __typename: 'Query' } });
    });

    it('allows CORS only from APP_ORIGIN', async () => {
      const preflight = (origin: string) =>
        fetch(`${api.url}/graphql`, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
        });
      // startTestApi sets APP_ORIGIN to http://localhost:4000.
      const allowed = await preflight('http://localhost:4000');
      expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:4000');
      expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');

      const other = await preflight('https://elsewhere.example');
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    });
  });
});

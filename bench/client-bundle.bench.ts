import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { type BenchResult, summarize } from './support/stats';

export const CLIENT_DIR = path.resolve(__dirname, '../dist/client/browser');

/** The initial-JavaScript budget, in bytes transferred (200 KB, 1 KB = 1000 B). */
export const INITIAL_JS_BUDGET_BYTES = 200_000;

/**
 * Client bundle: the JavaScript a first visit loads before any lazy route,
 * read from the production build in `dist/client/browser`. The initial chunks
 * are the module scripts and modulepreload links in index.html, plus every
 * chunk they import statically. Dynamic `import()` targets load lazily, so
 * they are left out. Transfer size is the gzip size at zlib's default level 6, which is what
 * compression middleware commonly sends; brotli is shown for comparison.
 */
export async function runClientBundle(clientDir = CLIENT_DIR): Promise<BenchResult> {
  const name = 'Client initial JavaScript';
  const indexPath = path.join(clientDir, 'index.html');
  if (!existsSync(indexPath)) {
    return { name, skipped: `${indexPath} does not exist; run \`npm run build:client\` first.`, figures: {}, goals: [] };
  }

  const chunks = initialChunks(clientDir, readFileSync(indexPath, 'utf8'));
  let raw = 0;
  let gzip = 0;
  let brotli = 0;
  for (const chunk of chunks) {
    const bytes = readFileSync(path.join(clientDir, chunk));
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 6 }).length;
    brotli += brotliCompressSync(bytes).length;
  }

  // A static measurement has no spread; the summary of one sample keeps the result's shape.
  return {
    name,
    figures: {
      'initial chunks': chunks.join(', '),
      'raw bytes': String(raw),
      'gzip bytes (level 6)': String(gzip),
      'brotli bytes (default quality)': String(brotli),
    },
    goals: [{ name: 'initial JavaScript, gzip bytes ÷ 200 KB', ratio: summarize([gzip / INITIAL_JS_BUDGET_BYTES]), limit: 1, comparison: 'atMost' }],
  };
}

/** Lists the initial JavaScript files: entry scripts and preloads in index.html, then their static imports, transitively. */
export function initialChunks(clientDir: string, indexHtml: string): string[] {
  const entries = [
    ...[...indexHtml.matchAll(/<script[^>]*\bsrc="([^"]+\.js)"/g)].map((match) => match[1]),
    ...[...indexHtml.matchAll(/<link[^>]*\brel="modulepreload"[^>]*\bhref="([^"]+\.js)"/g)].map((match) => match[1]),
  ];
  const seen = new Set<string>();
  const queue = entries.map((entry) => entry.replace(/^\.?\//, ''));
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(path.join(clientDir, file), 'utf8');
    // Static imports and re-exports (`import … from "./x.js"`, `import "./x.js"`, `export … from "./x.js"`), not `import("./x.js")`.
    for (const match of source.matchAll(/\b(?:import|export)\s*(?:[\w*{}\s,$]+from\s*)?["']\.\/([\w.-]+\.js)["']/g)) {
      queue.push(match[1]);
    }
  }
  return [...seen];
}

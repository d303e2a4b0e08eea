import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { runCleanup } from './cleanup.bench';
import { runClientBundle } from './client-bundle.bench';
import { runGalleryQuery } from './gallery-query.bench';
import { runGrantCycle } from './grant-cycle.bench';
import { type BenchResult, formatGoal, goalMet } from './support/stats';
import { runUploadOffload } from './upload-offload.bench';
import { runViewUrlSigning } from './view-url-signing.bench';

/** Every benchmark, in the order `npm run bench` runs them. */
const BENCHMARKS: Record<string, () => Promise<BenchResult>> = {
  signing: () => runViewUrlSigning(),
  upload: () => runUploadOffload(),
  gallery: () => runGalleryQuery(),
  grants: () => runGrantCycle(),
  client: () => runClientBundle(),
  cleanup: () => runCleanup(),
};

const USAGE = `Usage: npm run bench [-- [--only name[,name…]] [--json file]]
Runs the benchmarks and prints each figure as median (min–max) and each goal as a ratio.
Benchmarks: ${Object.keys(BENCHMARKS).join(', ')}.`;

function parseArguments(argv: string[]): { only: string[]; json: string | undefined } {
  let only = Object.keys(BENCHMARKS);
  let json: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--only' && argv[i + 1]) {
      only = argv[++i].split(',').map((name) => name.trim());
    } else if (argv[i] === '--json' && argv[i + 1]) {
      json = argv[++i];
    } else {
      throw new Error(`Unknown argument "${argv[i]}".\n${USAGE}`);
    }
  }
  const unknown = only.filter((name) => !(name in BENCHMARKS));
  if (unknown.length > 0) throw new Error(`Unknown benchmark "${unknown.join(', ')}".\n${USAGE}`);
  return { only, json };
}

function machine(): Record<string, string> {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: String(os.availableParallelism()),
    memory: `${Math.round(os.totalmem() / 1024 ** 3)} GiB`,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

function print(result: BenchResult): void {
  process.stdout.write(`\n## ${result.name}\n`);
  if (result.skipped) {
    process.stdout.write(`skipped: ${result.skipped}\n`);
    return;
  }
  for (const [name, value] of Object.entries(result.figures)) process.stdout.write(`- ${name}: ${value}\n`);
  for (const goal of result.goals) process.stdout.write(`- goal, ${formatGoal(goal)}\n`);
}

async function main(): Promise<void> {
  const { only, json } = parseArguments(process.argv.slice(2));
  const started = new Date();
  process.stdout.write(`# Sidestep benchmarks, ${started.toISOString()}\n`);
  for (const [name, value] of Object.entries(machine())) process.stdout.write(`- ${name}: ${value}\n`);

  const results: BenchResult[] = [];
  for (const name of only) {
    process.stderr.write(`running ${name}…\n`);
    const result = await BENCHMARKS[name]();
    results.push(result);
    print(result);
  }

  if (json) writeFileSync(json, JSON.stringify({ started, machine: machine(), results }, null, 2));
  const missed = results.flatMap((result) => result.goals.filter((goal) => !goalMet(goal)));
  process.stdout.write(`\n${missed.length === 0 ? 'All goals met.' : `${missed.length} goal(s) not met.`}\n`);
  process.exitCode = missed.length === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`The benchmarks failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 2;
});

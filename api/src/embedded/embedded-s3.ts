import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { Logger } from '../logging/logger';

export interface EmbeddedS3Handle {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Runs the s3rver command line in a child process. The embedded server's
 * paged listings need OpenSSL's legacy provider, which a child can enable
 * without weakening the API process. The child exits when its IPC channel
 * closes, so it never outlives the API, even one killed with SIGKILL.
 */
const CHILD_SCRIPT = [
  "process.on('disconnect', () => process.exit(0));",
  "require('@20minutes/s3rver/lib/cli.js').parseAsync(process.argv.slice(1), { from: 'user' });",
].join(' ');

export async function startEmbeddedS3(directory: string, port: number, logger: Logger): Promise<EmbeddedS3Handle> {
  mkdirSync(directory, { recursive: true });
  const child: ChildProcess = spawn(
    process.execPath,
    ['-e', CHILD_SCRIPT, '--', '-d', directory, '-a', '127.0.0.1', '-p', String(port), '--no-vhost-buckets', '--silent'],
    {
      env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --openssl-legacy-provider`.trim() },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );

  const actualPort = await new Promise<number>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(/S3rver listening on [^:]+:(\d+)/);
      if (match) resolve(Number(match[1]));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      logger.debug({ event: 'embedded_s3.log' }, chunk.toString().trim());
    });
    child.once('exit', (code) =>
      reject(new Error(`The embedded S3 server exited with code ${code} before listening on port ${port}: ${output.trim().slice(-500)}`)),
    );
  });
  child.stdout!.resume();
  child.removeAllListeners('exit');
  child.on('exit', (code, signal) => {
    if (stopping) return;
    // Ctrl-C in a terminal signals the whole process group, so the child may stop before the API does.
    if (signal === 'SIGINT' || signal === 'SIGTERM') {
      logger.info({ event: 'embedded_s3.exited', code, signal }, 'The embedded S3 server stopped on a signal.');
    } else {
      logger.error({ event: 'embedded_s3.exited', code, signal }, 'The embedded S3 server stopped unexpectedly.');
    }
  });

  let stopping = false;
  return {
    endpoint: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    stop: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

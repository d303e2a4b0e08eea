import 'reflect-metadata';
import { startSidestep } from './bootstrap';
import { ConfigError, loadConfig } from './config/config';
import { createLogger } from './logging/logger';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }

  const logger = createLogger(config.logLevel);
  const sidestep = await startSidestep(config, logger);
  const url = `http://localhost:${sidestep.config.port}`;
  const banner = [
    '',
    `Sidestep is running at ${url}`,
    `  GraphQL API:  ${url}/graphql`,
    ...sidestep.started.map((line) => `  started:      ${line}`),
    config.admin
      ? `  sign in as ${config.admin.email} with ADMIN_PASSWORD, or sign up for a new account in the app.`
      : '  open the app and sign up for an account; set ADMIN_EMAIL and ADMIN_PASSWORD to create an admin.',
    '  press Ctrl-C to stop everything.',
    '',
  ];
  process.stdout.write(banner.join('\n') + '\n');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ event: 'shutdown.started', signal });
    await sidestep.stop();
    logger.info({ event: 'shutdown.finished' });
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Sidestep failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  if (error instanceof Error && error.cause) process.stderr.write(`Caused by: ${String(error.cause)}\n`);
  process.exit(1);
});

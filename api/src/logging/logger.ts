import pino, { type Logger } from 'pino';

export type { Logger };

/** Paths whose values never reach the log: credentials and signed URLs. */
const REDACTED_PATHS = [
  'password',
  'token',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'input.password',
  'secretAccessKey',
];

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'sidestep-api' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/** Drops the query string of a presigned URL, which holds the signature, before it is logged. */
export function stripQuery(url: string): string {
  const index = url.indexOf('?');
  return index === -1 ? url : url.slice(0, index);
}

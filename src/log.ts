/**
 * The root logger. Credentials and message text never reach a log line:
 * the redaction paths below cover every place they travel in our objects.
 */
import pino, { type DestinationStream, type Logger } from 'pino';

export const REDACT_PATHS = [
  'password',
  'secret',
  'smppPassword',
  'text',
  'authorization',
  '*.password',
  '*.secret',
  '*.smppPassword',
  '*.text',
  '*.short_message',
  'req.headers.authorization',
  'headers.authorization',
] as const;

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: [...REDACT_PATHS], censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };

import pino, { type Logger } from 'pino';

// Secrets must never reach a log line: authorization headers, cookies, and any field that holds a
// key or a webhook secret are replaced before the line is written.
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'key',
  'secret',
  '*.key',
  '*.secret',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}

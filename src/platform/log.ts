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

// Database drivers attach the statement and its parameters to their errors (PGlite: `query`,
// `params`; pg: `detail` quotes key values, `where`, `internalQuery`), and those parameters are
// emails, names and amounts. An error is logged with its type, message, stack, SQLSTATE and
// position only, at every depth of its `cause` chain.
const ERROR_FIELDS_KEPT = ['type', 'message', 'stack', 'code', 'position', 'severity', 'constraint', 'routine', 'statusCode'];

export function serializeError(error: unknown): unknown {
  if (error === null || typeof error !== 'object') return error;
  const full = pino.stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
  const kept: Record<string, unknown> = {};
  for (const field of ERROR_FIELDS_KEPT) if (full[field] !== undefined) kept[field] = full[field];
  const cause = (error as { cause?: unknown }).cause;
  if (cause !== undefined) kept.cause = serializeError(cause);
  return kept;
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, serializers: { err: serializeError, error: serializeError } }, destination);
}

// The only reader of process.env. Every setting is parsed and validated once, all problems are
// reported together, and the result is frozen so nothing can change it behind our back.

import { isPlainEmailAddress } from './platform/email-address.js';

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  logLevel: string;
  bodyLimitBytes: number;
  idempotencyTtlHours: number;
  sandboxDelayMs: number;
  workerPollMs: number;
  workerBatchSize: number;
  leaseSeconds: number;
  webhookAllowPrivate: boolean;
  webhookSecretOverlapHours: number;
  sessionTtlHours: number;
  linkSecret: string | undefined;
  smtpUrl: string | undefined;
  mailFrom: string;
}

type Env = Record<string, string | undefined>;

interface Setting<T> {
  env: string;
  default: T;
  description: string;
  parse: (raw: string) => T | undefined;
}

const integer = (min: number, max: number) => (raw: string) => {
  const n = Number(raw);
  return Number.isInteger(n) && n >= min && n <= max ? n : undefined;
};
const text = (raw: string) => (raw.trim() === '' ? undefined : raw.trim());
const flag = (raw: string) => (['1', 'true', 'yes'].includes(raw) ? true : ['0', 'false', 'no', ''].includes(raw) ? false : undefined);
const smtpUrl = (raw: string) => {
  try {
    const url = new URL(raw.trim());
    return (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '' ? raw.trim() : undefined;
  } catch {
    return undefined;
  }
};
const mailAddress = (raw: string) => (isPlainEmailAddress(raw.trim()) ? raw.trim() : undefined);
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Each setting with its default; the README's configuration table mirrors this list. */
export const SETTINGS = {
  port: { env: 'PORT', default: 3000, description: 'HTTP port', parse: integer(0, 65535) },
  host: { env: 'HOST', default: '0.0.0.0', description: 'Interface to listen on', parse: text },
  publicUrl: { env: 'PUBLIC_URL', default: '', description: 'Base URL used in links (onboarding, payout links); defaults to http://localhost:PORT', parse: text },
  dataDir: { env: 'DATA_DIR', default: './data', description: 'Embedded database folder (used when DATABASE_URL is unset)', parse: text },
  databaseUrl: { env: 'DATABASE_URL', default: undefined, description: 'postgres:// URL; when set, PostgreSQL is used instead of the embedded database', parse: text },
  databasePoolSize: { env: 'DATABASE_POOL_SIZE', default: 20, description: 'PostgreSQL connections per process', parse: integer(1, 1000) },
  logLevel: { env: 'LOG_LEVEL', default: 'info', description: 'fatal, error, warn, info, debug, trace or silent', parse: (raw: string) => (LOG_LEVELS.includes(raw) ? raw : undefined) },
  bodyLimitBytes: { env: 'BODY_LIMIT_BYTES', default: 16 * 1024 * 1024, description: 'Largest accepted request body (a 50,000-payout batch is about 5 MB)', parse: integer(1024, 1024 * 1024 * 1024) },
  idempotencyTtlHours: { env: 'IDEMPOTENCY_TTL_HOURS', default: 24, description: 'How long idempotency keys are remembered', parse: integer(1, 24 * 365) },
  sandboxDelayMs: { env: 'SANDBOX_DELAY_MS', default: 1000, description: 'Simulated delay between sandbox payout steps', parse: integer(0, 3_600_000) },
  workerPollMs: { env: 'WORKER_POLL_MS', default: 200, description: 'How often an idle worker looks for work', parse: integer(1, 60_000) },
  workerBatchSize: { env: 'WORKER_BATCH_SIZE', default: 200, description: 'Rows a worker claims at once', parse: integer(1, 10_000) },
  leaseSeconds: { env: 'LEASE_SECONDS', default: 60, description: 'How long a claimed row stays with a worker before another may take it', parse: integer(1, 86_400) },
  webhookAllowPrivate: { env: 'WEBHOOK_ALLOW_PRIVATE', default: false, description: 'Allow webhook URLs on loopback/private networks (local testing)', parse: flag },
  sessionTtlHours: { env: 'SESSION_TTL_HOURS', default: 12, description: 'How long a dashboard sign-in lasts', parse: integer(1, 24 * 30) },
  webhookSecretOverlapHours: { env: 'WEBHOOK_SECRET_OVERLAP_HOURS', default: 24, description: 'How long a rotated webhook secret keeps signing beside the new one', parse: integer(0, 24 * 30) },
  linkSecret: { env: 'LINK_SECRET', default: undefined, description: 'Secret (32+ characters) that signs payout and onboarding links; required with DATABASE_URL, generated into DATA_DIR otherwise. Changing it invalidates every link', parse: (raw: string) => (raw.trim().length >= 32 ? raw.trim() : undefined) },
  smtpUrl: { env: 'SMTP_URL', default: undefined, description: 'smtp://user:pass@host:587 or smtps://user:pass@host:465; unset, production emails are captured instead of sent', parse: smtpUrl },
  mailFrom: { env: 'MAIL_FROM', default: 'payouts@localhost', description: 'Sender address of emails (a plain address; the organization name is the display name)', parse: mailAddress },
} satisfies { [K in keyof Config]: Setting<Config[K]> };

export class ConfigError extends Error {}

export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Readonly<Config> {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(SETTINGS) as [keyof Config, Setting<unknown>][]) {
    const raw = env[setting.env];
    if (raw === undefined || raw === '') {
      values[key] = setting.default;
      continue;
    }
    const parsed = setting.parse(raw);
    if (parsed === undefined) problems.push(`${setting.env}=${JSON.stringify(raw)} is not valid: ${setting.description}`);
    else values[key] = parsed;
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  const config = { ...values, ...overrides } as Config;
  if (!config.publicUrl) config.publicUrl = `http://localhost:${config.port}`;
  config.publicUrl = config.publicUrl.replace(/\/+$/, '');
  return Object.freeze(config);
}

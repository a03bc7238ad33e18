// The only reader of process.env. Every setting is parsed and validated once, all problems are
// reported together, and the result is frozen so nothing can change it behind our back.

import { type KeyRing, parseKeyRing } from './platform/crypto.js';
import { Cron } from 'croner';
import { isPlainEmailAddress } from './platform/email-address.js';
import { isTimeZone } from './platform/wall-clock.js';

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
  claimExpiryDays: number;
  workerPollMs: number;
  workerBatchSize: number;
  leaseSeconds: number;
  webhookAllowPrivate: boolean;
  webhookTimeoutMs: number;
  webhookMaxInFlight: number;
  webhookMaxInFlightPerEndpoint: number;
  webhookSecretOverlapHours: number;
  sessionTtlHours: number;
  passwordHashCost: number;
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  connectionTimeoutMs: number;
  keepAliveTimeoutMs: number;
  trustProxy: TrustProxy;
  rateLimitPerKey: number;
  rateLimitSignIn: number;
  rateLimitPublic: number;
  linkSecret: string | undefined;
  encryptionKeys: KeyRing | undefined;
  methodChangeHoldHours: number;
  smtpUrl: string | undefined;
  mailFrom: string;
  achSchedule: string | undefined;
  achTimeZone: string;
  achOdfiRouting: string | undefined;
  achImmediateDestination: string | undefined;
  achDestinationName: string | undefined;
  achImmediateOrigin: string | undefined;
  achOriginName: string | undefined;
  achCompanyId: string | undefined;
  achCompanyName: string | undefined;
  achEntryDescription: string;
  achBalanced: boolean;
  achOffsetRouting: string | undefined;
  achOffsetAccount: string | undefined;
  achOffsetAccountType: string | undefined;
  achCutoff: string;
  necThresholds: NecThresholds;
}

/**
 * The 1099-NEC reporting threshold per tax year, in cents, oldest year first. A year before the
 * first listed uses the first; a year after the last uses the last (until the list is extended).
 */
export type NecThresholds = readonly { readonly year: number; readonly amount: bigint }[];

/** Fastify's trustProxy: off, every hop, a number of hops, or the proxies' addresses/CIDRs. */
export type TrustProxy = boolean | number | string[];

type Env = Record<string, string | undefined>;

interface Setting<T> {
  env: string;
  default: T;
  description: string;
  parse: (raw: string) => T | undefined;
  /** Never echoed in an error: the value itself is a secret. */
  secret?: boolean;
}

const integer = (min: number, max: number) => (raw: string) => {
  const n = Number(raw);
  return Number.isInteger(n) && n >= min && n <= max ? n : undefined;
};
const text = (raw: string) => (raw.trim() === '' ? undefined : raw.trim());
const flag = (raw: string) => (['1', 'true', 'yes'].includes(raw) ? true : ['0', 'false', 'no', ''].includes(raw) ? false : undefined);
const trustProxy = (raw: string): TrustProxy | undefined => {
  const value = raw.trim();
  const asFlag = flag(value);
  if (asFlag !== undefined) return asFlag;
  if (/^\d+$/.test(value)) return integer(1, 100)(value);
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  return entries.length > 0 && entries.every((entry) => /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(entry)) ? entries : undefined;
};
const smtpUrl = (raw: string) => {
  try {
    const url = new URL(raw.trim());
    return (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '' ? raw.trim() : undefined;
  } catch {
    return undefined;
  }
};
const mailAddress = (raw: string) => (isPlainEmailAddress(raw.trim()) ? raw.trim() : undefined);
const cron = (raw: string) => {
  try {
    new Cron(raw.trim(), { paused: true }).stop();
    return raw.trim();
  } catch {
    return undefined;
  }
};
const timeZone = (raw: string) => (isTimeZone(raw.trim()) ? raw.trim() : undefined);
/** `2025:600,2026:2000`: year:dollars (whole or with cents), each year once, any order. */
const necThresholds = (raw: string): NecThresholds | undefined => {
  const entries: { year: number; amount: bigint }[] = [];
  for (const part of raw.split(',')) {
    const match = /^\s*(\d{4})\s*:\s*(\d{1,9})(?:\.(\d{2}))?\s*$/.exec(part);
    if (!match) return undefined;
    const year = Number(match[1]);
    if (entries.some((e) => e.year === year)) return undefined;
    entries.push({ year, amount: BigInt(match[2]!) * 100n + BigInt(match[3] ?? '0') });
  }
  entries.sort((a, b) => a.year - b.year);
  return Object.freeze(entries.map((e) => Object.freeze(e)));
};
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Each setting with its default; the README's configuration table mirrors this list. */
export const SETTINGS = {
  port: { env: 'PORT', default: 3000, description: 'HTTP port', parse: integer(0, 65535) },
  host: { env: 'HOST', default: '127.0.0.1', description: 'Interface to listen on (HOST=0.0.0.0 for all interfaces)', parse: text },
  publicUrl: {
    env: 'PUBLIC_URL',
    default: '',
    description: 'Base URL used in links (onboarding, payout links); defaults to http://localhost:PORT',
    parse: text,
  },
  dataDir: { env: 'DATA_DIR', default: './data', description: 'Embedded database folder (used when DATABASE_URL is unset)', parse: text },
  databaseUrl: {
    env: 'DATABASE_URL',
    default: undefined,
    description: 'postgres:// URL; when set, PostgreSQL is used instead of the embedded database',
    parse: text,
  },
  databasePoolSize: { env: 'DATABASE_POOL_SIZE', default: 20, description: 'PostgreSQL connections per process', parse: integer(1, 1000) },
  logLevel: {
    env: 'LOG_LEVEL',
    default: 'info',
    description: 'fatal, error, warn, info, debug, trace or silent',
    parse: (raw: string) => (LOG_LEVELS.includes(raw) ? raw : undefined),
  },
  bodyLimitBytes: {
    env: 'BODY_LIMIT_BYTES',
    default: 16 * 1024 * 1024,
    description: 'Largest accepted request body (a 50,000-payout batch is about 5 MB)',
    parse: integer(1024, 1024 * 1024 * 1024),
  },
  idempotencyTtlHours: { env: 'IDEMPOTENCY_TTL_HOURS', default: 24, description: 'How long idempotency keys are remembered', parse: integer(1, 24 * 365) },
  sandboxDelayMs: { env: 'SANDBOX_DELAY_MS', default: 1000, description: 'Simulated delay between sandbox payout steps', parse: integer(0, 3_600_000) },
  claimExpiryDays: {
    env: 'CLAIM_EXPIRY_DAYS',
    default: 30,
    description:
      'Days a payout may wait in awaiting_acceptance (counted from when it entered it) before it is canceled and its funds released; its recipient is reminded 7 days before. 8 to 3650; applies to both environments',
    parse: integer(8, 3650),
  },
  workerPollMs: { env: 'WORKER_POLL_MS', default: 200, description: 'How often an idle worker looks for work', parse: integer(1, 60_000) },
  workerBatchSize: { env: 'WORKER_BATCH_SIZE', default: 200, description: 'Rows a worker claims at once', parse: integer(1, 10_000) },
  leaseSeconds: {
    env: 'LEASE_SECONDS',
    default: 60,
    description: 'How long a claimed row stays with a worker before another may take it',
    parse: integer(1, 86_400),
  },
  webhookAllowPrivate: {
    env: 'WEBHOOK_ALLOW_PRIVATE',
    default: false,
    description: 'Allow webhook URLs on loopback/private networks (local testing)',
    parse: flag,
  },
  webhookTimeoutMs: {
    env: 'WEBHOOK_TIMEOUT_MS',
    default: 15_000,
    description: 'How long a webhook request may take before it counts as failed',
    parse: integer(100, 120_000),
  },
  webhookMaxInFlight: {
    env: 'WEBHOOK_MAX_IN_FLIGHT',
    default: 400,
    description: 'Webhook requests a worker process keeps in flight at most',
    parse: integer(1, 10_000),
  },
  webhookMaxInFlightPerEndpoint: {
    env: 'WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT',
    default: 10,
    description:
      'Webhook requests in flight per subscription in a worker process at first; fast answers earn it up to 20 times more, a request left unanswered brings it back',
    parse: integer(1, 1000),
  },
  sessionTtlHours: { env: 'SESSION_TTL_HOURS', default: 12, description: 'How long a dashboard sign-in lasts', parse: integer(1, 24 * 30) },
  passwordHashCost: {
    env: 'PASSWORD_HASH_COST',
    default: 17,
    description: 'scrypt cost of dashboard passwords as log2(N); older hashes are upgraded at sign-in',
    parse: integer(14, 20),
  },
  webhookSecretOverlapHours: {
    env: 'WEBHOOK_SECRET_OVERLAP_HOURS',
    default: 24,
    description: 'How long a rotated webhook secret keeps signing beside the new one',
    parse: integer(0, 24 * 30),
  },
  requestTimeoutMs: {
    env: 'REQUEST_TIMEOUT_MS',
    default: 30_000,
    description: 'Longest time a client may take to send a whole request (headers and body); a stalled upload is answered 408 and closed',
    parse: integer(1, 3_600_000),
  },
  headersTimeoutMs: {
    env: 'HEADERS_TIMEOUT_MS',
    default: 10_000,
    description: 'Longest time a client may take to send the request headers (at most REQUEST_TIMEOUT_MS)',
    parse: integer(1, 3_600_000),
  },
  connectionTimeoutMs: {
    env: 'CONNECTION_TIMEOUT_MS',
    default: 120_000,
    description: 'A connection with no traffic either way for this long is closed (0: never)',
    parse: integer(0, 3_600_000),
  },
  keepAliveTimeoutMs: {
    env: 'KEEP_ALIVE_TIMEOUT_MS',
    default: 72_000,
    description: 'How long an idle keep-alive connection stays open (longer than a load balancer’s idle timeout, usually 60 s)',
    parse: integer(1, 3_600_000),
  },
  trustProxy: {
    env: 'TRUST_PROXY',
    default: false,
    description:
      'Trust X-Forwarded-For/-Proto from a reverse proxy: false, true (every hop), a number of hops, or a comma-separated list of proxy addresses/CIDRs',
    parse: trustProxy,
  },
  rateLimitPerKey: {
    env: 'RATE_LIMIT_PER_KEY',
    default: 60_000,
    description: 'Requests a minute per API key or dashboard session, per process (0: no limit)',
    parse: integer(0, 100_000_000),
  },
  rateLimitSignIn: {
    env: 'RATE_LIMIT_SIGN_IN',
    default: 10,
    description: 'Sign-in and setup attempts a minute per client address, per process (0: no limit)',
    parse: integer(0, 1_000_000),
  },
  rateLimitPublic: {
    env: 'RATE_LIMIT_PUBLIC',
    default: 1_200,
    description: 'Requests a minute per client address to other routes without a key or session (docs, dashboard files, health), per process (0: no limit)',
    parse: integer(0, 100_000_000),
  },
  linkSecret: {
    env: 'LINK_SECRET',
    default: undefined,
    description:
      'Secret (32+ characters) that signs payout and onboarding links; required with DATABASE_URL, generated into DATA_DIR otherwise. Changing it invalidates every link',
    parse: (raw: string) => (raw.trim().length >= 32 ? raw.trim() : undefined),
    secret: true,
  },
  encryptionKeys: {
    env: 'ENCRYPTION_KEY',
    default: undefined,
    description:
      'AES-256-GCM key for account numbers and other secrets at rest: base64 of 32 bytes, or `id:key,id:key` to rotate (the first encrypts, all decrypt); required with DATABASE_URL, generated into DATA_DIR otherwise',
    parse: parseKeyRing,
    secret: true,
  },
  methodChangeHoldHours: {
    env: 'METHOD_CHANGE_HOLD_HOURS',
    default: 24,
    description: "How long a recipient's not-yet-processing payouts are held after its payout method is replaced",
    parse: integer(0, 24 * 30),
  },
  smtpUrl: {
    env: 'SMTP_URL',
    default: undefined,
    description: 'smtp://user:pass@host:587 or smtps://user:pass@host:465; unset, production emails are captured instead of sent',
    parse: smtpUrl,
  },
  mailFrom: {
    env: 'MAIL_FROM',
    default: 'payouts@localhost',
    description: 'Sender address of emails (a plain address; the organization name is the display name)',
    parse: mailAddress,
  },
  achSchedule: {
    env: 'ACH_SCHEDULE',
    default: undefined,
    description:
      'Cron expression (in ACH_TIMEZONE) on which the worker cuts a bank file for every organization with ACH set up, e.g. `0 15 * * 1-5`; unset, files are cut by hand',
    parse: cron,
  },
  achTimeZone: {
    env: 'ACH_TIMEZONE',
    default: 'America/New_York',
    description: "The bank's time zone: ACH_SCHEDULE, the daily cut-off, effective dates and settlement follow it",
    parse: timeZone,
  },
  achOdfiRouting: {
    env: 'ACH_ODFI_ROUTING',
    default: undefined,
    description: "Presets the default organization's bank settings (once; then change them in Settings → Bank): your bank's (ODFI) routing number",
    parse: text,
  },
  achImmediateDestination: {
    env: 'ACH_IMMEDIATE_DESTINATION',
    default: undefined,
    description: 'Preset: routing number of the bank receiving the files (default ACH_ODFI_ROUTING)',
    parse: text,
  },
  achDestinationName: { env: 'ACH_DESTINATION_NAME', default: undefined, description: "Preset: the receiving bank's name (up to 23 characters)", parse: text },
  achImmediateOrigin: {
    env: 'ACH_IMMEDIATE_ORIGIN',
    default: undefined,
    description: 'Preset: the immediate origin your bank assigned (9 or 10 digits; default ACH_COMPANY_ID)',
    parse: text,
  },
  achOriginName: { env: 'ACH_ORIGIN_NAME', default: undefined, description: 'Preset: your name as the file’s origin (up to 23 characters)', parse: text },
  achCompanyId: { env: 'ACH_COMPANY_ID', default: undefined, description: 'Preset: your ACH company ID (10 characters, often 1 + EIN)', parse: text },
  achCompanyName: {
    env: 'ACH_COMPANY_NAME',
    default: undefined,
    description: "Preset: the company name on recipients' bank statements (up to 16 characters)",
    parse: text,
  },
  achEntryDescription: {
    env: 'ACH_ENTRY_DESCRIPTION',
    default: 'PAYOUT',
    description: "Preset: the company entry description on recipients' statements (up to 10 characters)",
    parse: text,
  },
  achBalanced: { env: 'ACH_BALANCED', default: false, description: 'Preset: balanced files, with an offset debit to your own account', parse: flag },
  achOffsetRouting: {
    env: 'ACH_OFFSET_ROUTING',
    default: undefined,
    description: 'Preset: routing number of the offset account (balanced files)',
    parse: text,
  },
  achOffsetAccount: {
    env: 'ACH_OFFSET_ACCOUNT',
    default: undefined,
    description: 'Preset: the offset account number (balanced files); stored encrypted',
    parse: text,
    secret: true,
  },
  achOffsetAccountType: { env: 'ACH_OFFSET_ACCOUNT_TYPE', default: undefined, description: 'Preset: `checking` or `savings` (balanced files)', parse: text },
  achCutoff: { env: 'ACH_CUTOFF', default: '16:00', description: "Preset: the bank's daily cut-off, HH:MM in ACH_TIMEZONE", parse: text },
  necThresholds: {
    env: 'NEC_THRESHOLDS',
    default: necThresholds('2025:600,2026:2000')!,
    description:
      'The 1099-NEC reporting threshold per tax year as year:dollars, e.g. `2025:600,2026:2000`; a year before the first listed uses the first, a year after the last uses the last',
    parse: necThresholds,
  },
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
    if (parsed === undefined) problems.push(`${setting.env}=${setting.secret ? '(hidden)' : JSON.stringify(raw)} is not valid: ${setting.description}`);
    else values[key] = parsed;
  }
  const timeouts = { ...values, ...overrides } as Config;
  if (timeouts.headersTimeoutMs > timeouts.requestTimeoutMs) {
    problems.push(`HEADERS_TIMEOUT_MS (${timeouts.headersTimeoutMs}) must not exceed REQUEST_TIMEOUT_MS (${timeouts.requestTimeoutMs})`);
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  const config = { ...values, ...overrides } as Config;
  if (!config.publicUrl) config.publicUrl = `http://localhost:${config.port}`;
  config.publicUrl = config.publicUrl.replace(/\/+$/, '');
  return Object.freeze(config);
}

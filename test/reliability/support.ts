// Shared machinery of the reliability suite: real service processes (`node bin/payouts.js ...`),
// a private PostgreSQL server that can be stopped and started, bounded waiting, a small HTTP
// client, and the database-wide checks that a run lost or duplicated nothing.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { createApiKey } from '../../src/modules/api-keys/api-keys.service.js';
import { resolveOrganization } from '../../src/modules/organizations/organizations.service.js';
import { TRANSITIONS, type PayoutStatus } from '../../src/modules/payouts/state.js';
import type { Database } from '../../src/platform/db/database.js';
import { migrate } from '../../src/platform/db/migrate.js';
import type { Environment } from '../../src/platform/tenant.js';
import { openTestDatabase, type TestDatabase } from '../harness.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'payouts.js');
const PG_SERVER = join(ROOT, 'scripts', 'pg-server.sh');
const run = promisify(execFile);

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;

// ---------------------------------------------------------------------------------------------
// Waiting, always bounded.

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it answers a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, { timeoutMs = 60_000, intervalMs = 100 } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    }
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------------------------------------
// Service processes.

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A port in [from, to] that nothing listens on now, tried from a random start. */
export async function freePortBetween(from: number, to: number): Promise<number> {
  const span = to - from + 1;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const port = from + ((start + i) % span);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`No free port between ${from} and ${to}`);
}

export type Role = 'api' | 'worker' | 'serve';

export interface ServiceProcess {
  role: Role | 'command';
  child: ChildProcess;
  pid: number;
  /** Base URL of the HTTP server (API roles only). */
  url: string;
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string | null>;
}

export interface ServiceSettings {
  databaseUrl: string;
  sandboxDelayMs?: number;
  workerPollMs?: number;
  leaseSeconds?: number;
  workerBatchSize?: number;
  poolSize?: number;
  extraEnv?: Record<string, string>;
}

const READY: Record<Role, string> = { api: 'Payouts is running', serve: 'Payouts is running', worker: 'Payouts worker is running' };
const ARGS: Record<Role, string[]> = { api: ['serve', '--no-worker'], serve: ['serve'], worker: ['worker'] };

/**
 * The child processes of one test file. Every process started here is killed (SIGKILL, by its
 * own pid) by `killAll`, which the tests call in afterEach/afterAll.
 */
export class Processes {
  private readonly running = new Set<ServiceProcess>();
  private readonly started: ServiceProcess[] = [];
  /** An unused DATA_DIR for the processes (they run on PostgreSQL), made at the first start. */
  private dataDir: string | undefined;

  async start(role: Role, settings: ServiceSettings): Promise<ServiceProcess> {
    const port = role === 'worker' ? 0 : await freePort();
    const env = this.environment(settings, port);
    const child = spawn(process.execPath, [CLI, ...ARGS[role]], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const service = this.track(role, child, `http://127.0.0.1:${port}`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${role} did not start within 60 s:\n${service.output()}`)), 60_000);
      const onData = () => {
        if (service.output().includes(READY[role])) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      void service.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${role} exited (${code}) before it was ready:\n${service.output()}`));
      });
    });
    return service;
  }

  /** A CLI command (`payouts <args>`) with the services' environment, not awaited: the test may kill it. */
  command(args: string[], settings: ServiceSettings): ServiceProcess {
    const child = spawn(process.execPath, [CLI, ...args], { env: this.environment(settings, 0), stdio: ['ignore', 'pipe', 'pipe'] });
    return this.track('command', child, '');
  }

  private track(role: Role | 'command', child: ChildProcess, url: string): ServiceProcess {
    let output = '';
    const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
    const service: ServiceProcess = { role, child, pid: child.pid!, url, output: () => output, exited };
    this.running.add(service);
    this.started.push(service);
    void exited.then(() => this.running.delete(service));
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 200_000) output = output.slice(-100_000);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    return service;
  }

  private environment(settings: ServiceSettings, port: number): NodeJS.ProcessEnv {
    this.dataDir ??= mkdtempSync(join(tmpdir(), 'payouts-reliability-'));
    return {
      ...process.env,
      DATABASE_URL: settings.databaseUrl,
      DATA_DIR: this.dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SANDBOX_DELAY_MS: String(settings.sandboxDelayMs ?? 20),
      WEBHOOK_ALLOW_PRIVATE: '1',
      WORKER_POLL_MS: String(settings.workerPollMs ?? 25),
      LEASE_SECONDS: String(settings.leaseSeconds ?? 2),
      WORKER_BATCH_SIZE: String(settings.workerBatchSize ?? 200),
      DATABASE_POOL_SIZE: String(settings.poolSize ?? 10),
      // Required with DATABASE_URL; every process of a test signs links alike.
      LINK_SECRET: 'reliability-suite-link-secret-0123456789abcdef',
      ENCRYPTION_KEY: 'Bz7hN0Yq3yWc9cXJ2kq5m8s1vT4uR6eP0aB3dF5gH7I=',
      ...settings.extraEnv,
    };
  }

  /** `kill -9`: no shutdown hook runs, nothing is flushed, leases stay behind. */
  async kill9(service: ServiceProcess): Promise<void> {
    service.child.kill('SIGKILL');
    await service.exited;
  }

  isRunning(service: ServiceProcess): boolean {
    return this.running.has(service) && service.child.exitCode === null && service.child.signalCode === null;
  }

  /** What every process started here printed (the end of it), for the report of a failed test. */
  outputs(): string {
    return this.started.map((s) => `--- ${s.role} pid ${s.pid}\n${s.output().slice(-20_000)}`).join('\n');
  }

  async killAll(): Promise<void> {
    const all = [...this.running];
    for (const service of all) service.child.kill('SIGKILL');
    await Promise.all(all.map((s) => Promise.race([s.exited, sleep(10_000)])));
  }

  /** Kills what is left and removes the scratch folder. */
  async dispose(): Promise<void> {
    await this.killAll();
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
    this.dataDir = undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// A database of the test's own, migrated, with a key.

export interface ServiceDatabase extends TestDatabase {
  url: string;
  organizationId: string;
  createKey(environment?: Environment): Promise<string>;
}

/** A fresh, migrated PostgreSQL database for the processes of one test (needs TEST_DATABASE_URL). */
export async function openServiceDatabase(): Promise<ServiceDatabase> {
  const testDb = await openTestDatabase();
  if (!testDb.url) throw new Error('openServiceDatabase needs TEST_DATABASE_URL (PostgreSQL)');
  await migrate(testDb.db);
  const organization = await resolveOrganization(testDb.db);
  return {
    ...testDb,
    url: testDb.url,
    organizationId: organization.id,
    async createKey(environment: Environment = 'sandbox') {
      return (await createApiKey(testDb.db, { organizationId: organization.id, environment, name: 'reliability', createdBy: 'reliability suite' })).key;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// A private PostgreSQL server (scripts/pg-server.sh) that a test may stop and start.

export interface PrivatePostgres {
  dir: string;
  port: number;
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the server and deletes its folder. */
  destroy(): Promise<void>;
}

export async function startPrivatePostgres(port: number): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), `payouts-reliability-pg-${port}-`));
  const start = async () => {
    await run(PG_SERVER, ['start', dir, String(port)], { timeout: 120_000 });
  };
  const stop = async () => {
    await run(PG_SERVER, ['stop', dir], { timeout: 120_000 });
  };
  await start();
  return {
    dir,
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    async destroy() {
      await stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP.

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

/** One request with a hard timeout; the body is read in full and parsed when it is JSON. */
export async function http(
  baseUrl: string,
  method: string,
  path: string,
  options: { key?: string; body?: unknown; rawBody?: string | Buffer; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...(options.key ? { authorization: `Bearer ${options.key}` } : {}), ...options.headers };
  let body: string | Uint8Array<ArrayBuffer> | undefined = Buffer.isBuffer(options.rawBody) ? Uint8Array.from(options.rawBody) : options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? 30_000) });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** The documented error envelope, exactly: `{error: {code, message, param?, requestId}}`, and the matching Request-Id header. */
export function expectErrorEnvelope(answer: HttpAnswer, context: string): void {
  expect(answer.json, `${context}: the body is not JSON: ${answer.text.slice(0, 300)}`).toBeTypeOf('object');
  expect(Object.keys(answer.json ?? {}), `${context}: ${answer.text.slice(0, 300)}`).toEqual(['error']);
  const error = answer.json.error;
  const keys = Object.keys(error).sort();
  expect(
    keys.filter((k) => !['code', 'message', 'param', 'requestId'].includes(k)),
    `${context}: unexpected keys`,
  ).toEqual([]);
  expect(error.code, context).toMatch(/^[a-z]+(_[a-z]+)*$/);
  expect(typeof error.message === 'string' && error.message.length > 0, `${context}: message`).toBe(true);
  if ('param' in error) expect(error.param, `${context}: param`).toBeTypeOf('string');
  expect(error.requestId, `${context}: requestId`).toBeTypeOf('string');
  expect(answer.headers.get('request-id'), `${context}: Request-Id header`).toBe(error.requestId);
}

// ---------------------------------------------------------------------------------------------
// Database-wide checks.

export async function scalar(db: Pick<Database, 'query'>, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await db.query<{ n: bigint | number | string | null }>(sql, params);
  return Number(row?.n ?? 0);
}

/** Each payout's statuses in sequence order. */
export async function statusHistories(db: Pick<Database, 'query'>, payoutIds?: string[]): Promise<Map<string, PayoutStatus[]>> {
  const rows = await db.query<{ payout_id: string; statuses: PayoutStatus[] }>(
    `select payout_id, array_agg(status order by sequence) as statuses from payout_status_updates
     where ($1::uuid[] is null or payout_id = any($1::uuid[])) group by payout_id`,
    [payoutIds ?? null],
  );
  return new Map(rows.map((r) => [r.payout_id, r.statuses]));
}

/**
 * Nothing happened twice: no payout has two status updates with one sequence or reaches one
 * status twice, every history is a legal chain that ends in the payout's status, every status
 * change has exactly one event, every event at most one delivery per subscription, and no payout
 * has two ledger postings of one kind.
 */
export async function expectNothingDuplicated(db: Pick<Database, 'query'>): Promise<void> {
  expect(
    await db.query(`select payout_id, sequence from payout_status_updates group by 1, 2 having count(*) > 1 limit 5`),
    'two updates with one sequence',
  ).toEqual([]);
  expect(await db.query(`select payout_id, status from payout_status_updates group by 1, 2 having count(*) > 1 limit 5`), 'a status reached twice').toEqual([]);
  const broken = await db.query(
    `select p.id from payouts p join (select payout_id, max(sequence) as last, count(*) as n, min(sequence) as first from payout_status_updates group by 1) u on u.payout_id = p.id
     where u.first <> 1 or u.n <> u.last or p.sequence <> u.last
        or p.status <> (select status from payout_status_updates s where s.payout_id = p.id and s.sequence = u.last) limit 5`,
  );
  expect(broken, 'histories with gaps or not ending in the payout status').toEqual([]);
  const illegal: { payout_id: string; from: PayoutStatus; to: PayoutStatus }[] = await db.query(
    `select a.payout_id, a.status as "from", b.status as "to" from payout_status_updates a
     join payout_status_updates b on b.payout_id = a.payout_id and b.sequence = a.sequence + 1`,
  );
  expect(illegal.filter((m) => !TRANSITIONS[m.from].includes(m.to)).slice(0, 5), 'illegal moves').toEqual([]);
  expect(
    await db.query(
      `select s.payout_id, s.sequence from payout_status_updates s where s.sequence > 1 and
         (select count(*) from events e where e.payout_id = s.payout_id and e.type = 'payout.updated' and (e.data ->> 'sequence')::int = s.sequence) <> 1 limit 5`,
    ),
    'a status change without exactly one event',
  ).toEqual([]);
  expect(
    await db.query(
      `select count(*) from events e where e.type = 'payout.updated' and not exists (select 1 from payout_status_updates s where s.payout_id = e.payout_id and s.sequence = (e.data ->> 'sequence')::int) having count(*) > 0`,
    ),
    'events without a status change',
  ).toEqual([]);
  expect(
    await db.query(`select subscription_id, event_id from webhook_deliveries group by 1, 2 having count(*) > 1 limit 5`),
    'two deliveries of one event',
  ).toEqual([]);
  expect(
    await db.query(`select payout_id, kind from ledger_entries where payout_id is not null group by 1, 2 having count(distinct posting_id) > 1 limit 5`),
    'two postings of one kind for a payout',
  ).toEqual([]);
  expect(
    await db.query(`select batch_id from ledger_entries where kind = 'batch_hold' group by 1 having count(distinct posting_id) > 1 limit 5`),
    'two holds for one batch',
  ).toEqual([]);
  expect(
    await db.query(
      `select b.id from batches b where b.kind = 'payout' and (select count(distinct posting_id) from ledger_entries e where e.batch_id = b.id and e.kind = 'batch_hold') <> 1 limit 5`,
    ),
    'a batch without exactly one hold',
  ).toEqual([]);
}

/** The ledger postings a payout must have, by its history. */
export function expectedPostingKinds(history: PayoutStatus[]): string[] {
  return history.filter((s) => ['completed', 'failed', 'canceled', 'returned'].includes(s)).map((s) => `payout_${s}`);
}

export async function expectPostingsMatchHistories(db: Pick<Database, 'query'>): Promise<void> {
  const histories = await statusHistories(db);
  const rows = await db.query<{ payout_id: string; kinds: string[] }>(
    `select payout_id, array_agg(kind order by id) as kinds from ledger_entries where payout_id is not null and amount > 0 group by 1`,
  );
  const kinds = new Map(rows.map((r) => [r.payout_id, r.kinds]));
  const external = new Set((await db.query<{ id: string }>(`select id from payouts where kind = 'external'`)).map((r) => r.id));
  const wrong: string[] = [];
  for (const [payoutId, history] of histories) {
    const expected = external.has(payoutId) ? [] : expectedPostingKinds(history);
    const actual = kinds.get(payoutId) ?? [];
    if (JSON.stringify([...actual].sort()) !== JSON.stringify([...expected].sort())) wrong.push(`${payoutId}: ${history.join('>')} posted ${actual.join(',')}`);
  }
  expect(wrong.slice(0, 5), 'ledger postings that do not match the payout history').toEqual([]);
}

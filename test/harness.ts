// Test harness: a real database per test file (in-memory PGlite, or a fresh database on the
// PostgreSQL server named by TEST_DATABASE_URL), the real app in process, and helpers to get keys.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pg from 'pg';
import { buildApp, type AppInstance } from '../src/app.js';
import { type Config, loadConfig } from '../src/config.js';
import { createApiKey } from '../src/modules/api-keys/api-keys.service.js';
import { createOrganization, resolveOrganization } from '../src/modules/organizations/organizations.service.js';
import { createUser } from '../src/modules/users/users.service.js';
import type { Database } from '../src/platform/db/database.js';
import { parseKeyRing } from '../src/platform/crypto.js';
import { migrate } from '../src/platform/db/migrate.js';
import { openPgliteThread } from '../src/platform/db/pglite-thread.js';
import { openPostgres } from '../src/platform/db/postgres.js';
import { createLogger } from '../src/platform/log.js';
import type { Environment } from '../src/platform/tenant.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;
export const onPostgres = TEST_DATABASE_URL !== undefined;
export const TEST_LINK_SECRET = 'test-link-secret-of-at-least-32-characters';
/** A fixed test key (32 bytes of 0x07): tests never generate key files. */
export const TEST_ENCRYPTION_KEYS = parseKeyRing(Buffer.alloc(32, 7).toString('base64'))!;

export interface TestDatabase {
  db: Database;
  /** The connection string of this test's own database (PostgreSQL only). */
  url?: string;
  close(): Promise<void>;
}

/** A new, empty database (not migrated). */
export async function openTestDatabase(): Promise<TestDatabase> {
  if (!TEST_DATABASE_URL) {
    const db = await openPgliteThread();
    return { db, close: () => db.close() };
  }
  const name = `payouts_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  const db = await openPostgres(url.toString(), 10);
  return {
    db,
    url: url.toString(),
    async close() {
      await db.close();
      const cleanup = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

/** Captures everything the app logs, to prove secrets never appear in it. */
export class LogCapture extends Writable {
  lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.lines.push(chunk.toString());
    done();
  }
  get text() {
    return this.lines.join('');
  }
}

export interface TestApp {
  app: AppInstance;
  db: Database;
  /** The connection string of this test's own database (PostgreSQL only), for a second connection or process. */
  url?: string;
  config: Readonly<Config>;
  logs: LogCapture;
  defaultOrganizationId: string;
  /** A new key on the default organization (or the one given), ready for `Authorization`. */
  createKey(environment?: Environment, organizationId?: string): Promise<string>;
  createOrganization(name?: string): Promise<string>;
  close(): Promise<void>;
}

// scrypt at the production cost (2^17) takes over a second per password on a busy machine;
// tests hash at 2^14 unless they override it (test/security-auth.test.ts checks the upgrade path).
export function testConfig(overrides: Partial<Config> = {}): Readonly<Config> {
  // Suites sign in far more often than a person would, all from 127.0.0.1: the per-address sign-in
  // limit is off unless a test sets it (test/security-http.test.ts does).
  return loadConfig(
    {},
    {
      logLevel: 'info',
      sandboxDelayMs: 0,
      webhookAllowPrivate: true,
      passwordHashCost: 14,
      rateLimitSignIn: 0,
      linkSecret: TEST_LINK_SECRET,
      encryptionKeys: TEST_ENCRYPTION_KEYS,
      ...overrides,
    },
  );
}

export async function createTestApp(overrides: Partial<Config> = {}): Promise<TestApp> {
  const testDb = await openTestDatabase();
  const { db } = testDb;
  await migrate(db);
  const config = testConfig(overrides);
  const logs = new LogCapture();
  const app = await buildApp({ config, db, logger: createLogger('info', logs) });
  const defaultOrganization = await resolveOrganization(db);
  return {
    app,
    db,
    url: testDb.url,
    config,
    logs,
    defaultOrganizationId: defaultOrganization.id,
    async createKey(environment = 'sandbox', organizationId = defaultOrganization.id) {
      const { key } = await createApiKey(db, { organizationId, environment, name: 'test key', createdBy: 'test' });
      return key;
    },
    async createOrganization(name = 'Another organization') {
      return (await createOrganization(db, name)).id;
    },
    async close() {
      await app.close();
      await testDb.close();
    },
  };
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

const SIGN_IN_PASSWORD = 'a long test password';

/**
 * Creates a dashboard user of the role and signs it in: answers the headers a dashboard request
 * sends (session cookie, CSRF token, environment) for an environment.
 */
export async function signInAs(t: TestApp, role: 'admin' | 'manager' | 'accountant' | 'employee', organizationId = t.defaultOrganizationId) {
  const email = `${role}-${randomBytes(3).toString('hex')}@example.com`;
  await createUser(t.db, t.config, { organizationId, email, password: SIGN_IN_PASSWORD, role, createdBy: null });
  const response = await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email, password: SIGN_IN_PASSWORD } });
  if (response.statusCode !== 200) throw new Error(`sign-in failed: ${response.body}`);
  const cookie = String(response.headers['set-cookie']).split(';')[0]!;
  return (environment = 'production') => ({ cookie, 'x-csrf-token': response.json().data.csrfToken as string, 'x-payouts-environment': environment });
}

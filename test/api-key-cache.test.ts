import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppInstance, buildApp } from '../src/app.js';
import { createApiKey, revokeApiKey } from '../src/modules/api-keys/api-keys.service.js';
import { resolveOrganization } from '../src/modules/organizations/organizations.service.js';
import type { Database } from '../src/platform/db/database.js';
import { SOCKET_NAME } from '../src/platform/db/data-dir.js';
import { migrate } from '../src/platform/db/migrate.js';
import { openDatabase } from '../src/platform/db/open.js';
import { openPostgres } from '../src/platform/db/postgres.js';
import { createLogger } from '../src/platform/log.js';
import { bearer, createTestApp, LogCapture, onPostgres, signInAs, type TestApp, testConfig } from './harness.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'bin', 'payouts.js');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const statusFor = async (app: AppInstance, key: string) => (await app.inject({ method: 'GET', url: '/api-keys', headers: bearer(key) })).statusCode;
const idOf = async (app: AppInstance, key: string): Promise<string> =>
  (await app.inject({ method: 'GET', url: '/api-keys', headers: bearer(key) })).json().data.find((k: { last4: string }) => k.last4 === key.slice(-4)).id;

/** Waits until this process LISTENs for revocations (the first look-up starts it): only then are keys cached. */
async function untilListening(db: Database) {
  if (db.kind === 'pglite') return db.ping(); // the LISTEN went into PGlite's queue before this
  for (let i = 0; i < 200; i++) {
    const [row] = await db.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and query = 'listen api_key_revoked'`,
    );
    if (row!.n > 0) return;
    await sleep(10);
  }
  throw new Error('The API process never listened for revocations.');
}

/** Requests until the key is refused; answers how long that took (NOTIFY is asynchronous). */
async function msUntilRefused(app: AppInstance, key: string, limitMs = 5_000): Promise<number> {
  const start = performance.now();
  while ((await statusFor(app, key)) !== 401) {
    if (performance.now() - start > limitMs) throw new Error(`The key still worked ${limitMs} ms after it was revoked.`);
    await sleep(2);
  }
  return performance.now() - start;
}

describe('cached API keys', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  /** A key that the app has read once and now serves from its cache. */
  async function cachedKey() {
    const key = await t.createKey();
    const id = await idOf(t.app, key);
    await untilListening(t.db);
    expect(await statusFor(t.app, key)).toBe(200); // read from the database and cached
    return { key, id };
  }

  it('serves a key it has read from memory: a change made behind revokeApiKey’s back shows only after the cache time', async () => {
    const { key, id } = await cachedKey();
    await t.db.query('update api_keys set revoked_at = now() where id = $1', [id]);
    expect(await statusFor(t.app, key)).toBe(200);
  });

  it('refuses a key revoked from the dashboard on the very next request', async () => {
    const admin = await signInAs(t, 'admin', t.defaultOrganizationId);
    const { key, id } = await cachedKey();
    const revoked = await t.app.inject({ method: 'DELETE', url: `/api-keys/${id}`, headers: admin('sandbox') });
    expect(revoked.statusCode).toBe(200);
    expect(await statusFor(t.app, key)).toBe(401);
  });

  it('refuses a key revoked through the service on the very next request, and does not cache unknown keys', async () => {
    const { key, id } = await cachedKey();
    await revokeApiKey(t.db, t.defaultOrganizationId, id);
    expect(await statusFor(t.app, key)).toBe(401);
    expect(await statusFor(t.app, key)).toBe(401);
  });

  describe.runIf(onPostgres)('on PostgreSQL, revoked by another process', () => {
    it('is refused as soon as the NOTIFY of a revocation through another connection arrives', async () => {
      const { key, id } = await cachedKey();
      const other = await openPostgres(t.url!, 1);
      try {
        await revokeApiKey(other, t.defaultOrganizationId, id);
        const ms = await msUntilRefused(t.app, key);
        expect(ms).toBeLessThan(1_000);
      } finally {
        await other.close();
      }
    });

    it('is refused soon after `payouts keys revoke` run from a shell', async () => {
      const { key, id } = await cachedKey();
      const env = {
        ...process.env,
        DATABASE_URL: t.url!,
        LOG_LEVEL: 'warn',
        LINK_SECRET: 'cli-test-link-secret-of-32-characters-or-more',
        ENCRYPTION_KEY: 'Bz7hN0Yq3yWc9cXJ2kq5m8s1vT4uR6eP0aB3dF5gH7I=',
      };
      const { stdout } = await run('node', [CLI, 'keys', 'revoke', id], { env });
      expect(stdout).toContain('Revoked');
      expect(await msUntilRefused(t.app, key)).toBeLessThan(1_000);
    }, 60_000);

    it('empties the cache when its listening connection is lost, as notifications may have been missed', async () => {
      const { key, id } = await cachedKey();
      // A revocation this process cannot hear of: no NOTIFY.
      await t.db.query('update api_keys set revoked_at = now() where id = $1', [id]);
      expect(await statusFor(t.app, key)).toBe(200);
      await t.db.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query = 'listen api_key_revoked'`);
      await msUntilRefused(t.app, key);
      // It listens again, and caches again.
      const again = await cachedKey();
      await t.db.query('update api_keys set revoked_at = now() where id = $1', [again.id]);
      expect(await statusFor(t.app, again.key)).toBe(200);
    });
  });
});

// The embedded database shared with the CLI over its socket, in process: a revocation by a socket
// client is committed inside its exclusive turn, and the server's cache is emptied when that turn
// starts and ends, so no wait is needed.
describe.skipIf(onPostgres)('cached API keys on the embedded database shared with the CLI', () => {
  let dataDir: string;
  let db: Database;
  let app: AppInstance;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'payouts-keycache-'));
    db = await openDatabase({ dataDir, databaseUrl: undefined, databasePoolSize: 1 }, { share: true });
    await migrate(db);
    app = await buildApp({ config: testConfig(), db, logger: createLogger('info', new LogCapture()) });
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a key revoked by a CLI client of the socket on the very next request', async () => {
    const organization = await resolveOrganization(db);
    const { key, record } = await createApiKey(db, { organizationId: organization.id, environment: 'sandbox', name: 'cached', createdBy: 'test' });
    expect(await statusFor(app, key)).toBe(200);
    await untilListening(db);
    expect(await statusFor(app, key)).toBe(200);
    const cli = await openPostgres({ socketPath: join(dataDir, SOCKET_NAME) }, 1);
    try {
      await revokeApiKey(cli, organization.id, record.id);
    } finally {
      await cli.close();
    }
    expect(await statusFor(app, key)).toBe(401);
  });
});

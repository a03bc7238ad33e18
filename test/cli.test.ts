import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { resolveOrganization } from '../src/modules/organizations/organizations.service.js';
import { createBatch } from '../src/modules/payouts/create-batch.js';
import { findPayoutById } from '../src/modules/payouts/payouts.repository.js';
import { applyMoves } from '../src/modules/payouts/transitions.js';
import { openAndMigrate } from '../src/runtime.js';
import { onPostgres, openTestDatabase, type TestDatabase } from './harness.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'bin', 'payouts.js');

// The CLI as a user runs it: real processes, on the embedded database in a temporary DATA_DIR,
// or on PostgreSQL when the suite runs there.
// Each command is a real Node process that compiles the sources as it starts (a few seconds on a
// busy 2-core machine), so a test running several of them gets more than the default timeout.
describe('payouts CLI', { timeout: 180_000 }, () => {
  let dataDir: string;
  let testDb: TestDatabase | undefined;
  let env: NodeJS.ProcessEnv;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'payouts-cli-'));
    if (onPostgres) testDb = await openTestDatabase();
    env = {
      ...process.env,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      DATABASE_URL: testDb?.url ?? '',
      LINK_SECRET: testDb ? 'cli-test-link-secret-of-32-characters-or-more' : '',
      ENCRYPTION_KEY: testDb ? 'Bz7hN0Yq3yWc9cXJ2kq5m8s1vT4uR6eP0aB3dF5gH7I=' : '',
    };
  });
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });
  afterAll(async () => {
    await testDb?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const cli = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => run('node', [CLI, ...args], { env: { ...env, ...extraEnv } });

  /** Starts `payouts serve` on a free port and resolves with its base URL once it listens. */
  function serve(extraEnv: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; url: string; output: () => string }> {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn('node', [CLI, 'serve'], { env: { ...env, PORT: String(port), HOST: '127.0.0.1', ...extraEnv } });
    children.push(child);
    let output = '';
    return new Promise((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Payouts is running')) resolve({ child, url: `http://127.0.0.1:${port}`, output: () => output });
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
    });
  }

  it('prints only a working sandbox key, and the server accepts it', async () => {
    const { stdout } = await cli(['keys', 'create', '--env', 'sandbox']);
    const key = stdout.trim();
    expect(key).toMatch(/^sk_test_[0-9A-Za-z]{43}$/);
    const server = await serve();
    const response = await fetch(`${server.url}/api-keys`, { headers: { authorization: `Bearer ${key}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('request-id')).toBeTruthy();
    expect(server.output()).not.toContain(key);

    server.child.kill('SIGTERM');
    const code = await new Promise((resolve) => server.child.once('exit', resolve));
    expect(code).toBe(0);
  });

  it('creates organizations and keys on them, lists and revokes keys', async () => {
    const { stdout: orgId } = await cli(['orgs', 'create', '--name', 'Acme']);
    expect(orgId.trim()).toMatch(/^[0-9a-f-]{36}$/);
    const { stdout: orgs } = await cli(['orgs', 'list']);
    expect(orgs).toContain('Acme');
    expect(orgs).toContain('(default)');
    const { stdout: live } = await cli(['keys', 'create', '--env', 'production', '--org', orgId.trim(), '--name', 'payroll']);
    expect(live.trim()).toMatch(/^sk_live_/);
    const { stdout: listed } = await cli(['keys', 'list', '--org', orgId.trim()]);
    expect(listed).toContain('payroll');
    expect(listed).not.toContain(live.trim());
    const keyId = listed.split('\t')[0]!;
    const { stdout: revoked } = await cli(['keys', 'revoke', keyId, '--org', orgId.trim()]);
    expect(revoked).toContain('Revoked');
    expect((await cli(['keys', 'list', '--org', orgId.trim()])).stdout).toContain('revoked');
  });

  it('explains bad arguments without a stack trace', async () => {
    const failure = await cli(['keys', 'create', '--env', 'staging']).catch((error) => error);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain('--env must be one of: sandbox, production');
    expect(failure.stderr).not.toMatch(/\n\s+at /);
    const unknown = await cli(['frobnicate']).catch((error) => error);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command');
  });

  it.skipIf(onPostgres)(
    'refuses a second server on the same DATA_DIR, clearly',
    async () => {
      const server = await serve();
      const failure = await cli(['serve'], { PORT: '0', HOST: '127.0.0.1' }).catch((error) => error);
      expect(failure.code).toBe(1);
      expect(failure.stderr).toMatch(/in use by another process \(pid \d+\)/);
      // The first server is unharmed, and the CLI still works beside it.
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect((await cli(['keys', 'list'])).stdout).toContain('sk_test_');
      server.child.kill('SIGTERM');
      await new Promise((resolve) => server.child.once('exit', resolve));
    },
    120_000,
  );

  it('records a production deposit once per bank reference, and keeps the old usage working', async () => {
    const { stdout: funded } = await cli(['balance', 'fund', '--amount', '500000', '--reference', 'WIRE-77', '--date', '2026-11-30']);
    expect(funded).toMatch(/^Recorded deposit WIRE-77 of 5,000\.00 USD received 2026-11-30; available balance is now 5,000\.00 USD \(.+, production\)\.\n$/);
    const { stdout: again } = await cli(['balance', 'fund', '--amount', '500000', '--reference', 'wire-77', '--date', '2026-11-30']);
    expect(again).toContain('WIRE-77 was already recorded');
    expect(again).toContain('nothing credited. Available balance is 5,000.00 USD');
    const conflict = await cli(['balance', 'fund', '--amount', '400000', '--reference', 'WIRE-77']).catch((error) => error);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('already recorded, for 5,000.00 USD received on 2026-11-30');
    // The old usage still works; it warns that only a reference makes a repeat harmless.
    const old = await cli(['balance', 'fund', '--amount', '100']);
    expect(old.stdout).toContain('available balance is now 5,001.00 USD');
    expect(old.stderr).toMatch(/No --reference given: recorded as CLI-/);
    const bad = await cli(['balance', 'fund', '--amount', '12.5', '--reference', 'X']).catch((error) => error);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--amount must be a whole number of cents');
  });

  // Each CLI call is a Node process compiling TypeScript: this test and the one above share the
  // work so that each stays well within its time on a busy machine.
  it('settles a production payout by hand, and never one its recipient has not accepted', async () => {
    // Two production payouts made directly on the same database: one its recipient has accepted
    // (pending, on the manual rail), one still awaiting acceptance.
    const config = loadConfig({ DATA_DIR: dataDir, DATABASE_URL: testDb?.url ?? '' });
    const db = await openAndMigrate(config);
    let accepted: string;
    let waiting: string;
    try {
      const organization = await resolveOrganization(db);
      const tenant = { organizationId: organization.id, environment: 'production' as const };
      const batch = await db.transaction(async (tx) => {
        const { created, holdFunds } = await createBatch(
          tx,
          tenant,
          [
            { payeeEmail: 'manual@example.com', amount: 1500 },
            { payeeEmail: 'waiting@example.com', amount: 700 },
          ],
          0,
        );
        await holdFunds(tx);
        return created;
      });
      [accepted, waiting] = batch.payouts.map((p: { id: string }) => p.id) as [string, string];
      await db.transaction(async (tx) => {
        for (const [id, to] of [
          [accepted, 'pending'],
          [waiting, 'awaiting_acceptance'],
        ] as const) {
          await applyMoves(tx, [{ payout: (await findPayoutById(tx, tenant, id, { forUpdate: true }))!, to, nextActionDelayMs: null }]);
        }
      });
    } finally {
      await db.close();
    }
    const refused = await cli(['payouts', 'settle', waiting, '--status', 'completed']).catch((error) => error);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('its recipient has not accepted it');
    const { stdout } = await cli(['payouts', 'settle', accepted, '--status', 'completed']);
    expect(stdout).toContain('is now completed');
    const again2 = await cli(['payouts', 'settle', accepted, '--status', 'failed']).catch((error) => error);
    expect(again2.code).toBe(1);
    expect(again2.stderr).toContain('cannot become');
    const missing = await cli(['payouts', 'settle', '01a20cc7-930f-713c-942f-93b959e2b413', '--status', 'completed']).catch((error) => error);
    expect(missing.stderr).toContain('No such payment');
  });

  it('reports invalid configuration in one message', async () => {
    const failure = await cli(['migrate'], { PORT: 'abc', LOG_LEVEL: 'shout' }).catch((error) => error);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain('PORT');
    expect(failure.stderr).toContain('LOG_LEVEL');
  });
});

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { resolveOrganization } from '../src/modules/organizations/organizations.service.js';
import { generateWebhookSecret } from '../src/modules/webhooks/signing.js';
import { decryptText, encryptText, parseKeyRing } from '../src/platform/crypto.js';
import { uuidv7 } from '../src/platform/ids.js';
import { openAndMigrate } from '../src/runtime.js';
import { onPostgres, openTestDatabase, type TestDatabase } from './harness.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'bin', 'payouts.js');
const OLD = `old:${Buffer.alloc(32, 1).toString('base64')}`;
const NEW = `new:${Buffer.alloc(32, 2).toString('base64')}`;

// `payouts encryption re-encrypt` as an operator runs it: real processes, while `payouts serve`
// runs (on the embedded database the CLI goes through the server's socket), after the server's
// start-up sealed the webhook secret an earlier version left in clear.
describe('payouts encryption re-encrypt', { timeout: 240_000 }, () => {
  let dataDir: string;
  let testDb: TestDatabase | undefined;
  let env: NodeJS.ProcessEnv;
  const children: ChildProcess[] = [];
  const clearSecret = generateWebhookSecret();
  const oldSecret = generateWebhookSecret();

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'payouts-reencrypt-'));
    if (onPostgres) testDb = await openTestDatabase();
    env = {
      ...process.env,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      DATABASE_URL: testDb?.url ?? '',
      LINK_SECRET: 'cli-test-link-secret-of-32-characters-or-more',
    };
  });
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });
  afterAll(async () => {
    await testDb?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const cli = (key: string, ...args: string[]) => run('node', [CLI, ...args], { env: { ...env, ENCRYPTION_KEY: key } });
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('the command succeeded');
      },
      (error: { code: number; stderr: string }) => error,
    );
  const withDb = async <T>(fn: (db: Awaited<ReturnType<typeof openAndMigrate>>) => Promise<T>): Promise<T> => {
    const db = await openAndMigrate(loadConfig({ DATA_DIR: dataDir, DATABASE_URL: testDb?.url ?? '' }));
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  };
  function serve(key: string): Promise<ChildProcess> {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn('node', [CLI, 'serve', '--no-worker'], { env: { ...env, ENCRYPTION_KEY: key, PORT: String(port), HOST: '127.0.0.1' } });
    children.push(child);
    let output = '';
    return new Promise((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Payouts is running')) resolve(child);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
    });
  }

  it('seals, re-seals under the first key while the server runs, repeats harmlessly, and the old key can go', async () => {
    // What an installation holds before the rotation: a secret an earlier version stored in clear,
    // and one sealed under the old key.
    await withDb(async (db) => {
      const organization = await resolveOrganization(db);
      for (const secret of [clearSecret, encryptText(parseKeyRing(OLD)!, oldSecret)]) {
        const id = uuidv7();
        await db.query(
          `insert into webhook_subscriptions (id, organization_id, environment, event_name, callback_url) values ($1, $2, 'sandbox', 'payout.updated', 'https://example.com/hook')`,
          [id, organization.id],
        );
        await db.query('insert into webhook_secrets (id, subscription_id, secret) values ($1, $2, $3)', [uuidv7(), id, secret]);
      }
    });

    // Step 1: the new key first; the server's start-up seals the clear secret.
    const server = await serve(`${NEW},${OLD}`);
    // Step 2, while it runs.
    const first = await cli(`${NEW},${OLD}`, 'encryption', 're-encrypt', '--slice', '1');
    expect(first.stdout).toContain('webhook_secrets.secret: 1 re-sealed, 0 not under key `new`');
    expect(first.stdout).toContain('payout_methods.account_number_encrypted: 0 re-sealed, 0 not under key `new`');
    expect(first.stdout).toContain('can be dropped');
    const again = await cli(`${NEW},${OLD}`, 'encryption', 're-encrypt');
    expect(again.stdout).toContain('webhook_secrets.secret: 0 re-sealed, 0 not under key `new`');
    server.kill('SIGTERM');
    await new Promise((resolve) => (server.exitCode !== null ? resolve(null) : server.once('exit', resolve)));

    // Step 3: the old key dropped; everything opens under the new one alone.
    const stored = await withDb((db) => db.query<{ secret: string }>('select secret from webhook_secrets order by id'));
    expect(stored.map((r) => r.secret.split(':').slice(0, 2).join(':'))).toEqual(['v1:new', 'v1:new']);
    expect(stored.map((r) => decryptText(parseKeyRing(NEW)!, r.secret))).toEqual([clearSecret, oldSecret]);
    expect((await cli(NEW, 'encryption', 're-encrypt')).stdout).toContain('Every encrypted value is under key `new`.');

    // A key ring that cannot open what is stored says which column and which key, and nothing else.
    const wrong = await failure(cli(`other:${Buffer.alloc(32, 3).toString('base64')}`, 'encryption', 're-encrypt'));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('Error: webhook_secrets.secret: The encryption key `new` is not in ENCRYPTION_KEY.');
    for (const secret of [clearSecret, oldSecret]) expect(wrong.stderr).not.toContain(secret.slice(6));
  });
});

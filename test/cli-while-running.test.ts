import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SOCKET_NAME } from '../src/platform/db/data-dir.js';
import { onPostgres } from './harness.js';

const run = promisify(execFile);
// Each CLI command is a new Node process compiling TypeScript: several seconds on a busy machine.
const CLI = join(import.meta.dirname, '..', 'bin', 'payouts.js');

// The quick start as a user runs it: `npm start` on the embedded database, and the CLI used while
// it runs. Real processes on a temporary DATA_DIR.
describe.skipIf(onPostgres)('the CLI while the server runs on the embedded database', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  const children: ChildProcess[] = [];

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'payouts-live-'));
    env = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', DATABASE_URL: '' };
  });
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const cli = async (...args: string[]) => (await run('node', [CLI, ...args], { env })).stdout.trim();

  /** Starts `payouts serve` on a free port and resolves with its base URL once it listens. */
  function serve(): Promise<{ child: ChildProcess; url: string }> {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn('node', [CLI, 'serve'], { env: { ...env, PORT: String(port), HOST: '127.0.0.1' } });
    children.push(child);
    let output = '';
    return new Promise((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Payouts is running')) resolve({ child, url: `http://127.0.0.1:${port}` });
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
    });
  }
  const exited = (child: ChildProcess) =>
    new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));

  it('creates a key, funds and settles a payout while `payouts serve` runs', async () => {
    const server = await serve();
    const api = (path: string, key: string, init: RequestInit = {}) =>
      fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers } });

    const sandboxKey = await cli('keys', 'create', '--env', 'sandbox');
    expect(sandboxKey).toMatch(/^sk_test_/);
    expect((await api('/api-keys', sandboxKey)).status).toBe(200);

    const liveKey = await cli('keys', 'create', '--env', 'production');
    expect(await cli('balance', 'fund', '--amount', '500000', '--reference', 'WIRE-LIVE-1')).toContain('available balance is now 5,000.00 USD');

    // A recipient who is ready and auto-accepts: the server's worker brings its payout to pending.
    const recipient = await api('/recipients', liveKey, {
      method: 'POST',
      body: JSON.stringify({ recipients: [{ email: 'manual@example.com', firstName: 'Man', lastName: 'Ual', autoAcceptPayouts: true }] }),
    });
    const recipientId = ((await recipient.json()) as { data: { recipients: { id: string }[] } }).data.recipients[0]!.id;
    const method = await api(`/recipients/${recipientId}/payout-method`, liveKey, {
      method: 'PUT',
      body: JSON.stringify({ type: 'paypal', email: 'manual@example.com' }),
    });
    expect(method.status).toBe(200);
    const created = await api('/payments', liveKey, {
      method: 'POST',
      body: JSON.stringify({ payouts: [{ recipientId, amount: 1500 }] }),
    });
    expect(created.status).toBe(201);
    const payoutId = ((await created.json()) as { data: { payouts: { id: string }[] } }).data.payouts[0]!.id;
    const statusOf = async () => ((await (await api(`/payments/${payoutId}`, liveKey)).json()) as { data: { status: string } }).data.status;
    while ((await statusOf()) !== 'pending') await new Promise((resolve) => setTimeout(resolve, 100)); // polls the worker's progress
    expect(await cli('payouts', 'settle', payoutId, '--status', 'completed')).toBe(`Payout ${payoutId} is now completed.`);
    const payout = (await (await api(`/payments/${payoutId}`, liveKey)).json()) as { data: { statusUpdates: { status: string }[] } };
    expect(payout.data.statusUpdates.at(-1)!.status).toBe('completed');

    // Two CLI commands at once each wait their turn; both land, and the one bank reference credits once.
    const both = await Promise.all([
      // With the date given: left to each command, a run across midnight would see two dates (a conflict).
      cli('balance', 'fund', '--amount', '300', '--reference', 'WIRE-LIVE-2', '--date', '2026-11-30'),
      cli('balance', 'fund', '--amount', '300', '--reference', 'WIRE-LIVE-2', '--date', '2026-11-30'),
    ]);
    expect(both.filter((line) => line.includes('nothing credited'))).toHaveLength(1);
    const balance = (await (await api('/balance', liveKey)).json()) as { data: { available: number; paidOut: number } };
    expect(balance.data).toMatchObject({ available: 500000 - 1500 + 300, paidOut: 1500 });

    // The server caches the key it keeps seeing; revoked from the CLI, it is refused on the very
    // next request (the server empties its cache around every CLI exchange on the socket).
    const liveKeyId = (await cli('keys', 'list'))
      .split('\n')
      .find((line) => line.includes(`…${liveKey.slice(-4)}\t`))!
      .split('\t')[0]!;
    expect(await cli('keys', 'revoke', liveKeyId)).toContain('Revoked');
    expect((await api('/balance', liveKey)).status).toBe(401);

    server.child.kill('SIGTERM');
    expect(await exited(server.child)).toBe(0);
    expect(existsSync(join(dataDir, SOCKET_NAME))).toBe(false);
    expect(existsSync(join(dataDir, 'payouts.lock'))).toBe(false);
    // With no server, the CLI opens the database itself, as before.
    expect(await cli('keys', 'list')).toContain('CLI production key');
  }, 240_000);

  it('starts again after the server was killed (stale lock and socket), and the CLI works with it', async () => {
    const first = await serve();
    first.child.kill('SIGKILL');
    await exited(first.child);
    expect(existsSync(join(dataDir, SOCKET_NAME))).toBe(true);
    expect(existsSync(join(dataDir, 'payouts.lock'))).toBe(true);

    const second = await serve();
    const key = await cli('keys', 'create', '--env', 'sandbox', '--name', 'after the crash');
    expect((await fetch(`${second.url}/api-keys`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);

    second.child.kill('SIGTERM');
    expect(await exited(second.child)).toBe(0);
    // Everything the run left in DATA_DIR is its owner's alone.
    const loose: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        const stats = statSync(path);
        if (stats.isDirectory()) walk(path);
        const wanted = stats.isDirectory() ? 0o700 : 0o600;
        if ((stats.mode & 0o777) !== wanted) loose.push(`${path} ${(stats.mode & 0o777).toString(8)}`);
      }
    };
    walk(dataDir);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(loose).toEqual([]);
  }, 240_000);
});

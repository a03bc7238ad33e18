import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNachaFile } from '../src/modules/ach/nacha/index.js';
import { expectedModifier } from './ach-helpers.js';
import { onPostgres, openTestDatabase, type TestDatabase } from './harness.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'bin', 'payouts.js');

const ACH_ENV = {
  ACH_ODFI_ROUTING: '021000021',
  ACH_DESTINATION_NAME: 'JPMORGAN CHASE',
  ACH_IMMEDIATE_ORIGIN: '1234567890',
  ACH_ORIGIN_NAME: 'ACME PAYOUTS INC',
  ACH_COMPANY_ID: '1234567890',
  ACH_COMPANY_NAME: 'ACME PAYOUTS',
};

// `payouts ach cut` as an operator runs it: a real process, beside a running `payouts serve` (on
// the embedded database through its socket, or on PostgreSQL when the suite runs there), whose
// ACH_* variables preset the bank settings. Each CLI command compiles the sources as it starts.
describe('payouts ach cut', { timeout: 240_000 }, () => {
  let dataDir: string;
  let testDb: TestDatabase | undefined;
  let env: NodeJS.ProcessEnv;
  let server: { child: ChildProcess; url: string } | undefined;
  let key: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'payouts-ach-cli-'));
    if (onPostgres) testDb = await openTestDatabase();
    env = {
      ...process.env,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      WORKER_POLL_MS: '50',
      DATABASE_URL: testDb?.url ?? '',
      LINK_SECRET: testDb ? 'cli-test-link-secret-of-32-characters-or-more' : '',
      ENCRYPTION_KEY: testDb ? 'Bz7hN0Yq3yWc9cXJ2kq5m8s1vT4uR6eP0aB3dF5gH7I=' : '',
    };
  });
  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await new Promise((resolve) => server!.child.once('exit', resolve));
    }
    await testDb?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Runs a CLI command to its end: exit code and what it printed. */
  const cli = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run('node', [CLI, ...args], { env });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };

  function serve(extraEnv: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn('node', [CLI, 'serve'], { env: { ...env, PORT: String(port), HOST: '127.0.0.1', ...extraEnv } });
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

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server!.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, text, json: text.startsWith('{') ? JSON.parse(text) : undefined };
  };

  let serial = 0;
  /** A recipient paid to a bank account, the payout brought to `pending` by the server's worker. */
  async function pendingAchPayout(amount: number): Promise<string> {
    serial++;
    const created = await api('POST', '/recipients', {
      recipients: [{ firstName: 'Pay', lastName: `Ee${serial}`, email: `payee${serial}@example.com`, autoAcceptPayouts: true }],
    });
    expect(created.status, created.text).toBeLessThan(300);
    const recipientId = created.json.data.recipients[0].id;
    const method = await api('PUT', `/recipients/${recipientId}/payout-method`, {
      type: 'us_bank_account',
      accountHolderName: `Pay Ee ${serial}`,
      accountHolderType: 'individual',
      routingNumber: '011000015',
      accountNumber: `${100000 + serial}`,
      accountType: 'checking',
    });
    expect(method.status, method.text).toBe(200);
    const payment = await api('POST', '/payments', { payouts: [{ recipientId, amount }] });
    expect(payment.status, payment.text).toBe(201);
    const id: string = payment.json.data.payouts[0].id;
    for (let i = 0; ; i++) {
      const payout = (await api('GET', `/payments/${id}`)).json.data;
      if (payout.statusUpdates.at(-1).status === 'pending') {
        expect(payout.rail).toBe('ach');
        return id;
      }
      if (i > 600) throw new Error(`payout ${id} never became pending: ${JSON.stringify(payout.statusUpdates)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const listFiles = async () => (await api('GET', '/ach/files?limit=100')).json.data as { id: string; payoutCount: number; fileName: string }[];

  it('says the rail is not set up, and cuts nothing, before the bank settings exist', async () => {
    const result = await cli('ach', 'cut');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Error: ACH is not set up for this organization: an admin enters the bank settings in Settings → Bank.');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
  });

  it("prints the cut file's summary while the server runs; the file is the API's and parses", async () => {
    server = await serve(ACH_ENV);
    key = (await cli('keys', 'create', '--env', 'production')).stdout.trim();
    expect(key).toMatch(/^sk_live_/);
    expect((await cli('balance', 'fund', '--amount', '1000000')).code).toBe(0);
    const ids = [await pendingAchPayout(1234), await pendingAchPayout(5678)];

    const result = await cli('ach', 'cut');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [file] = await listFiles();
    expect(file).toMatchObject({ payoutCount: 2 });
    expect(file!.fileName).toMatch(/^ach-\d{8}-A\.txt$/);
    expect(result.stdout).toMatch(
      new RegExp(
        `^Cut bank file ${file!.id}: 2 payout\\(s\\), 69\\.12 USD, effective \\d{4}-\\d{2}-\\d{2}\\. .*GET /ach/files/${file!.id}/download, then mark it sent\\.\\n$`,
      ),
    );
    for (const id of ids) expect((await api('GET', `/payments/${id}`)).json.data.statusUpdates.at(-1).status).toBe('processing');
    const download = await api('GET', `/ach/files/${file!.id}/download`);
    expect(download.status).toBe(200);
    expect(parseNachaFile(download.text).batches.flatMap((b) => b.entries.map((e) => e.amount))).toEqual([1234n, 5678n]);
  });

  it('with nothing pending says so clearly, exits 1 and makes no file (the next one still gets the next modifier)', async () => {
    const result = await cli('ach', 'cut');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('Error: There are no pending ACH payouts to put in a file.\n');
    expect(result.stdout).toBe('');
    expect(await listFiles()).toHaveLength(1);

    await pendingAchPayout(100);
    const next = await cli('ach', 'cut');
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toContain('1 payout(s), 1.00 USD');
    const files = await listFiles();
    expect(files).toHaveLength(2);
    // B when both cuts fall on the same day in New York (A across its midnight).
    expect(files[0]!.fileName).toMatch(new RegExp(`-${expectedModifier(files, files[0]!)}\\.txt$`));
  });
});
